#include "xml.hpp"

#include "xml_text.hpp"

#include "http/utf8.hpp"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>
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

// "prefix:local" or "local", each part an NCName.
bool is_qname(std::string_view name) {
    const auto colon = name.find(':');
    if (colon == std::string_view::npos) {
        return is_ncname(name);
    }
    return is_ncname(name.substr(0, colon)) && is_ncname(name.substr(colon + 1));
}

bool is_xml_space(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Text and attribute values are read with pugixml's expansion of references off (see
// parse_xml): expanded here, where what pugixml would let through is refused.
tl::expected<void, std::string> expand_text(pugi::xml_node text, pugi::xml_node parent) {
    const std::string_view raw = text.value();
    // XML 1.0 section 2.4: "]]>" is not allowed in text (a CDATA section is its own node).
    if (raw.find("]]>") != std::string_view::npos) {
        return tl::unexpected("\"]]>\" in the text of <" + std::string(parent.name()) +
                              "> (XML 1.0 section 2.4)");
    }
    if (raw.find('&') == std::string_view::npos) {
        return {};
    }
    auto expanded = expand_references(raw);
    if (!expanded) {
        return tl::unexpected("in the text of <" + std::string(parent.name()) +
                              ">: " + expanded.error());
    }
    text.set_value(expanded->data(), expanded->size());
    return {};
}

tl::expected<void, std::string> expand_attribute(pugi::xml_attribute a, pugi::xml_node e) {
    const std::string_view raw = a.value();
    // XML 1.0 section 3.1, WFC No < in Attribute Values.
    if (raw.find('<') != std::string_view::npos) {
        return tl::unexpected("'<' in the value of attribute " + std::string(a.name()) + " on <" +
                              e.name() + "> (XML 1.0 section 3.1)");
    }
    if (raw.find('&') == std::string_view::npos) {
        return {};
    }
    auto expanded = expand_references(raw);
    if (!expanded) {
        return tl::unexpected("in attribute " + std::string(a.name()) + " on <" + e.name() +
                              ">: " + expanded.error());
    }
    a.set_value(expanded->data(), expanded->size());
    return {};
}

// XML 1.0 section 3.1 (WFC Unique Att Spec) and Namespaces in XML 1.0 section 6.3: no two
// attributes of an element have the same name, nor prefixes bound to the same namespace
// with the same local name. Prefixes are known to be declared.
tl::expected<void, std::string> check_unique_attributes(pugi::xml_node e) {
    const auto first = e.first_attribute();
    if (!first || !first.next_attribute()) {
        return {};
    }
    struct Key {
        std::string_view ns;
        std::string_view local;
        std::string_view name;
    };
    std::vector<Key> keys;
    for (auto a : e.attributes()) {
        const std::string_view name = a.name();
        const auto p = prefix_of(name);
        if (name == "xmlns" || p == "xmlns") {
            // Declarations: only the same declaration twice is the same attribute.
            keys.push_back(Key{"xmlns", name, name});
        } else if (p.empty()) {
            keys.push_back(Key{{}, name, name}); // no namespace (section 6.2)
        } else {
            keys.push_back(Key{lookup(e, p).value_or(std::string_view{}), local_of(name), name});
        }
    }
    auto order = [](const Key& x, const Key& y) {
        return std::tie(x.ns, x.local) < std::tie(y.ns, y.local);
    };
    std::sort(keys.begin(), keys.end(), order);
    for (std::size_t i = 1; i < keys.size(); ++i) {
        const auto& x = keys[i - 1];
        const auto& y = keys[i];
        if (x.ns != y.ns || x.local != y.local) {
            continue;
        }
        std::string error = "attribute ";
        error += y.name;
        if (x.name == y.name) {
            error += " appears twice on <";
            error += e.name();
            error += "> (XML 1.0 section 3.1)";
        } else {
            error += " and attribute ";
            error += x.name;
            error += " on <";
            error += e.name();
            error += "> are the same attribute: both prefixes are bound to ";
            error += x.ns;
            error += " (Namespaces in XML 1.0 section 6.3)";
        }
        return tl::unexpected(std::move(error));
    }
    return {};
}

tl::expected<void, std::string> check_element(pugi::xml_node e, int depth) {
    if (depth > 256) {
        return tl::unexpected(std::string("elements nested more than 256 deep"));
    }
    if (!is_qname(e.name())) {
        return tl::unexpected("invalid element name <" + std::string(e.name()) + ">");
    }
    // First every value expanded: declarations below are read through lookup().
    for (auto a : e.attributes()) {
        const std::string_view name = a.name();
        if (!is_qname(name)) {
            return tl::unexpected("invalid attribute name '" + std::string(name) + "'");
        }
        if (auto r = expand_attribute(a, e); !r) {
            return r;
        }
    }
    for (auto a : e.attributes()) {
        const std::string_view name = a.name();
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
    if (auto r = check_unique_attributes(e); !r) {
        return r;
    }
    for (auto c : e.children()) {
        if (c.type() == pugi::node_element) {
            if (auto r = check_element(c, depth + 1); !r) {
                return r;
            }
        } else if (c.type() == pugi::node_pcdata) {
            if (auto r = expand_text(c, e); !r) {
                return r;
            }
        }
        // A CDATA section holds no references; its characters were checked with the body's.
    }
    return {};
}

// What stands outside the root element (XML 1.0 section 2.1 document, 2.8 prolog): an XML
// declaration at the very start, whitespace, comments and processing instructions (pugixml
// leaves out the last two), and exactly one element.
tl::expected<void, std::string> check_document(const pugi::xml_document& doc,
                                               std::string_view body) {
    using namespace std::string_view_literals;
    if (body.starts_with("\xEF\xBB\xBF"sv)) {
        body.remove_prefix(3); // a byte order mark may come before the declaration
    }
    const bool declaration_first =
        body.starts_with("<?xml") && body.size() > 5 &&
        std::string_view(" \t\r\n?").find(body[5]) != std::string_view::npos;
    bool first = true;
    bool root = false;
    for (auto n : doc.children()) {
        switch (n.type()) {
        case pugi::node_doctype:
            return tl::unexpected(std::string("a DOCTYPE is not allowed in a request body"));
        case pugi::node_declaration:
            if (!first || !declaration_first) {
                return tl::unexpected(std::string(
                    "an XML declaration is allowed only at the very start of the body (XML 1.0 "
                    "section 2.8)"));
            }
            break;
        case pugi::node_element:
            if (root) {
                return tl::unexpected("a second root element <" + std::string(n.name()) +
                                      "> after the root element (XML 1.0 section 2.1)");
            }
            root = true;
            break;
        case pugi::node_pcdata:
            if (!is_xml_space(n.value())) {
                return tl::unexpected(std::string(root ? "text after the root element"
                                                       : "text before the root element") +
                                      " (XML 1.0 section 2.1)");
            }
            break;
        default:
            return tl::unexpected(std::string(root ? "a CDATA section after the root element"
                                                   : "a CDATA section before the root element"));
        }
        first = false;
    }
    if (!root) {
        return tl::unexpected(std::string("no root element"));
    }
    return {};
}

} // namespace

tl::expected<XmlDocument, std::string> parse_xml(std::string_view body) {
    if (!http::valid_utf8(body)) {
        return tl::unexpected(std::string("the body is not valid UTF-8"));
    }
    if (const auto c = illegal_xml_char(body)) {
        return tl::unexpected(describe(*c));
    }
    XmlDocument d;
    d.doc_ = std::make_unique<pugi::xml_document>();
    // Without parse_escapes references stay as written, for check_element to expand (pugixml
    // keeps &foo; as it is and writes &#0; as a NUL that cuts the text). parse_ws_pcdata keeps
    // whitespace-only text: a dead property value keeps all its characters (RFC 4918 section
    // 4.3). parse_fragment keeps text outside the root element, parse_declaration the XML
    // declaration, and parse_doctype a DOCTYPE, so that check_document can refuse them; no
    // entity is ever declared or expanded.
    const unsigned options = (pugi::parse_default & ~pugi::parse_escapes) | pugi::parse_doctype |
                             pugi::parse_ws_pcdata | pugi::parse_fragment | pugi::parse_declaration;
    const auto result = d.doc_->load_buffer(body.data(), body.size(), options, pugi::encoding_utf8);
    if (!result) {
        return tl::unexpected("malformed XML at byte " + std::to_string(result.offset) + ": " +
                              result.description());
    }
    if (auto r = check_document(*d.doc_, body); !r) {
        return tl::unexpected(r.error());
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
