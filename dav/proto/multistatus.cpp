#include "multistatus.hpp"

#include "xml.hpp"

namespace quire::dav {

namespace {

const char* reason(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 423:
        return "Locked";
    case 424:
        return "Failed Dependency";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 507:
        return "Insufficient Storage";
    default:
        return "Unknown";
    }
}

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
    return "HTTP/1.1 " + std::to_string(status) + " " + reason(status);
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
