#include "multistatus.hpp"

#include "xml.hpp"

#include "http/status.hpp"

namespace quire::dav {

namespace {

void open_tag(std::string& out, std::string_view ns, std::string_view name, std::string_view lang) {
    out += '<';
    if (ns == dav_ns) {
        out += "D:";
        out += name;
    } else if (ns.empty()) {
        out += name;
    } else {
        out += "X:";
        out += name;
        out += " xmlns:X=\"";
        append_escaped(out, ns);
        out += '"';
    }
    if (!lang.empty()) {
        out += " xml:lang=\"";
        append_escaped(out, lang);
        out += '"';
    }
}

void close_tag(std::string& out, std::string_view ns, std::string_view name) {
    out += "</";
    if (ns == dav_ns) {
        out += "D:";
    } else if (!ns.empty()) {
        out += "X:";
    }
    out += name;
    out += '>';
}

} // namespace

std::string status_line(int status) {
    std::string line = "HTTP/1.1 " + std::to_string(status) + " ";
    line += http::reason_phrase(status);
    return line;
}

void append_property(std::string& out, std::string_view ns, std::string_view name,
                     std::string_view value) {
    std::string_view lang;
    if (value.starts_with("<?lang ")) {
        const auto end = value.find("?>");
        if (end != std::string_view::npos) {
            lang = value.substr(7, end - 7);
            value.remove_prefix(end + 2);
        }
    }
    open_tag(out, ns, name, lang);
    if (value.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    out += value;
    close_tag(out, ns, name);
}

void append_property_name(std::string& out, std::string_view ns, std::string_view name) {
    open_tag(out, ns, name, {});
    out += "/>";
}

std::string error_body(std::string_view precondition, std::string_view inner) {
    std::string out(xml_head);
    out += "<D:error xmlns:D=\"DAV:\"><D:";
    out += precondition;
    if (inner.empty()) {
        out += "/>";
    } else {
        out += '>';
        out += inner;
        out += "</D:";
        out += precondition;
        out += '>';
    }
    out += "</D:error>\n";
    return out;
}

void begin_multistatus(std::string& out) {
    out += xml_head;
    out += "<D:multistatus xmlns:D=\"DAV:\">\n";
}

void end_multistatus(std::string& out, std::string_view sync_token) {
    if (!sync_token.empty()) {
        out += "<D:sync-token>";
        append_escaped(out, sync_token);
        out += "</D:sync-token>\n";
    }
    out += "</D:multistatus>\n";
}

void append_status_response(std::string& out, std::string_view href, int status,
                            std::string_view error_xml) {
    out += "<D:response><D:href>";
    append_escaped(out, href);
    out += "</D:href><D:status>";
    out += status_line(status);
    out += "</D:status>";
    out += error_xml;
    out += "</D:response>\n";
}

} // namespace quire::dav
