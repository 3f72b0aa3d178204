#include "multistatus.hpp"

#include "dead_value.hpp"
#include "xml.hpp"

#include <algorithm>

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
        out += lang; // escaped
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

namespace {

// A property whose value brings namespace declarations: they go on the property element, whose
// own prefix must then not be one of them unless bound to the property's namespace.
void append_declaring_property(std::string& out, std::string_view ns, std::string_view name,
                               const DeadValue& v) {
    const auto declarations = split_declarations(v.declarations);
    std::string escaped_ns;
    append_escaped(escaped_ns, ns);
    auto declared = [&](std::string_view prefix) {
        return std::any_of(declarations.begin(), declarations.end(), [&](const Declaration& d) {
            return d.name != "xmlns" && d.prefix() == prefix;
        });
    };
    std::string prefix;
    bool declare = false;
    if (!ns.empty()) {
        for (const auto& d : declarations) {
            if (d.name != "xmlns" && d.uri == escaped_ns) {
                prefix = d.prefix();
                break;
            }
        }
        if (prefix.empty() && ns == dav_ns && !declared("D")) {
            prefix = "D"; // declared on the root
        }
        for (int i = -1; prefix.empty(); ++i) {
            std::string candidate = "X"; // (not "X" + ...: g++ 12 warns wrongly, -Wrestrict)
            if (i >= 0) {
                candidate += std::to_string(i);
            }
            if (!declared(candidate)) {
                prefix = candidate;
                declare = true;
            }
        }
        prefix += ':';
    }
    out += '<';
    out += prefix;
    out += name;
    if (declare) {
        out += " xmlns:";
        out.append(prefix, 0, prefix.size() - 1);
        out += "=\"";
        out += escaped_ns;
        out += '"';
    }
    for (const auto& d : declarations) {
        // A property in no namespace is unprefixed, so its value cannot have relied on a
        // default namespace.
        if (!(ns.empty() && d.name == "xmlns")) {
            out += ' ';
            out += d.name;
            out += "=\"";
            out += d.uri;
            out += '"';
        }
    }
    if (!v.lang.empty()) {
        out += " xml:lang=\"";
        out += v.lang;
        out += '"';
    }
    if (v.content.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    out += v.content;
    out += "</";
    out += prefix;
    out += name;
    out += '>';
}

} // namespace

void append_property(std::string& out, std::string_view ns, std::string_view name,
                     std::string_view value) {
    const auto v = decode_dead_value(value);
    if (!v.declarations.empty()) {
        append_declaring_property(out, ns, name, v);
        return;
    }
    open_tag(out, ns, name, v.lang);
    if (v.content.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    out += v.content;
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
