#include "xml.hpp"

#include "http/utf8.hpp"

#include <optional>
#include <vector>

namespace quire::dav {

namespace {

std::string_view prefix_of(std::string_view name) {
    const auto colon = name.find(':');
    return colon == std::string_view::npos ? std::string_view{} : name.substr(0, colon);
}

std::string_view local_of(std::string_view name) {
    const auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The URI bound to prefix ("" = default namespace) at element, or nullopt when undeclared.
std::optional<std::string_view> lookup(pugi::xml_node element, std::string_view prefix) {
    if (prefix == "xml") {
        return std::string_view("http://www.w3.org/XML/1998/namespace");
    }
    std::string attr = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
    for (auto n = element; n && n.type() == pugi::node_element; n = n.parent()) {
        if (auto a = n.attribute(attr.c_str())) {
            return std::string_view(a.value());
        }
    }
    if (prefix.empty()) {
        return std::string_view{};
    }
    return std::nullopt;
}

// An XML NCName (Namespaces in XML 1.0 section 3): pugixml accepts almost any bytes in names,
// and a name that is not one could not be written back into a response. Bytes from 0x80 are
// the non-ASCII name characters (the body is checked to be UTF-8 as a whole).
bool is_ncname(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    auto start = [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
    };
    if (!start(static_cast<unsigned char>(name.front()))) {
        return false;
    }
    for (const char ch : name.substr(1)) {
        const auto c = static_cast<unsigned char>(ch);
        if (!start(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

// XML 1.0 section 2.2: no control characters other than tab, line feed and carriage return
// (pugixml lets them through, also as character references, and they could not be sent back).
std::optional<std::size_t> control_character_at(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            return i;
        }
    }
    return std::nullopt;
}

// "prefix:local" or "local", each part an NCName.
bool is_qname(std::string_view name) {
    const auto colon = name.find(':');
    if (colon == std::string_view::npos) {
        return is_ncname(name);
    }
    return is_ncname(name.substr(0, colon)) && is_ncname(name.substr(colon + 1));
}

tl::expected<void, std::string> check_element(pugi::xml_node e, int depth) {
    if (depth > 256) {
        return tl::unexpected(std::string("elements nested more than 256 deep"));
    }
    if (!is_qname(e.name())) {
        return tl::unexpected("invalid element name <" + std::string(e.name()) + ">");
    }
    for (auto a : e.attributes()) {
        const std::string_view name = a.name();
        if (!is_qname(name)) {
            return tl::unexpected("invalid attribute name '" + std::string(name) + "'");
        }
        if (control_character_at(a.value())) {
            return tl::unexpected("control character in attribute " + std::string(name));
        }
        if (name.starts_with("xmlns:")) {
            if (*a.value() == '\0') {
                return tl::unexpected("namespace prefix '" + std::string(name.substr(6)) +
                                      "' bound to an empty URI on <" + e.name() + ">");
            }
            continue;
        }
        if (name == "xmlns") {
            continue;
        }
        const auto p = prefix_of(name);
        if (!p.empty() && !lookup(e, p)) {
            return tl::unexpected("undeclared namespace prefix '" + std::string(p) +
                                  "' on attribute " + std::string(name));
        }
    }
    const auto p = prefix_of(e.name());
    if (!p.empty() && !lookup(e, p)) {
        return tl::unexpected("undeclared namespace prefix '" + std::string(p) + "' on <" +
                              e.name() + ">");
    }
    for (auto c : e.children()) {
        if (c.type() == pugi::node_element) {
            if (auto r = check_element(c, depth + 1); !r) {
                return r;
            }
        } else if (control_character_at(c.value())) {
            return tl::unexpected("control character (a character reference) in <" +
                                  std::string(e.name()) + ">");
        }
    }
    return {};
}

} // namespace

tl::expected<XmlDocument, std::string> parse_xml(std::string_view body) {
    if (!http::valid_utf8(body)) {
        return tl::unexpected(std::string("the body is not valid UTF-8"));
    }
    if (const auto at = control_character_at(body)) {
        return tl::unexpected("control character at byte " + std::to_string(*at));
    }
    XmlDocument d;
    d.doc_ = std::make_unique<pugi::xml_document>();
    // parse_doctype keeps a DOCTYPE as a node so that it can be refused; no entity is ever
    // declared or expanded by pugixml itself.
    const unsigned options = pugi::parse_default | pugi::parse_doctype;
    const auto result = d.doc_->load_buffer(body.data(), body.size(), options, pugi::encoding_utf8);
    if (!result) {
        return tl::unexpected("malformed XML at byte " + std::to_string(result.offset) + ": " +
                              result.description());
    }
    for (auto n : d.doc_->children()) {
        if (n.type() == pugi::node_doctype) {
            return tl::unexpected(std::string("a DOCTYPE is not allowed in a request body"));
        }
    }
    if (!d.doc_->document_element()) {
        return tl::unexpected(std::string("no root element"));
    }
    if (auto r = check_element(d.doc_->document_element(), 0); !r) {
        return tl::unexpected(r.error());
    }
    return d;
}

QName qname(pugi::xml_node element) {
    const std::string_view name = element.name();
    const auto p = prefix_of(name);
    return QName{lookup(element, p).value_or(std::string_view{}), local_of(name)};
}

bool is(pugi::xml_node element, std::string_view ns, std::string_view local) {
    if (element.type() != pugi::node_element) {
        return false;
    }
    const auto q = qname(element);
    return q.local == local && q.ns == ns;
}

pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view local) {
    for (auto c : parent.children()) {
        if (is(c, ns, local)) {
            return c;
        }
    }
    return {};
}

namespace {

// Adds to element copies of the namespace declarations in scope above it that it lacks.
void declare_inherited(pugi::xml_node copy, pugi::xml_node original) {
    std::vector<std::string> seen;
    for (auto a : copy.attributes()) {
        seen.emplace_back(a.name());
    }
    for (auto n = original.parent(); n && n.type() == pugi::node_element; n = n.parent()) {
        for (auto a : n.attributes()) {
            const std::string_view name = a.name();
            if (name != "xmlns" && !name.starts_with("xmlns:") && name != "xml:lang") {
                continue;
            }
            bool have = false;
            for (const auto& s : seen) {
                have = have || s == name;
            }
            if (!have) {
                seen.emplace_back(name);
                copy.append_attribute(a.name()) = a.value();
            }
        }
    }
}

struct StringWriter final : pugi::xml_writer {
    std::string* out;
    void write(const void* data, std::size_t size) override {
        out->append(static_cast<const char*>(data), size);
    }
};

} // namespace

std::string inner_xml(pugi::xml_node element) {
    std::string out;
    StringWriter w;
    w.out = &out;
    for (auto c : element.children()) {
        if (c.type() == pugi::node_element) {
            pugi::xml_document scratch;
            auto copy = scratch.append_copy(c);
            declare_inherited(copy, c);
            copy.print(w, "", pugi::format_raw | pugi::format_no_declaration);
        } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
            append_escaped(out, c.value());
        }
    }
    return out;
}

std::string_view xml_lang(pugi::xml_node element) {
    for (auto n = element; n && n.type() == pugi::node_element; n = n.parent()) {
        if (auto a = n.attribute("xml:lang")) {
            return a.value();
        }
    }
    return {};
}

void append_escaped(std::string& out, std::string_view text) {
    // Runs without special characters go in whole (a PROPFIND of a thousand members escapes
    // every href).
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        std::string_view entity;
        switch (text[i]) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\r':
            entity = "&#13;";
            break;
        default:
            continue;
        }
        out.append(text.data() + run, i - run);
        out += entity;
        run = i + 1;
    }
    out.append(text.data() + run, text.size() - run);
}

} // namespace quire::dav
