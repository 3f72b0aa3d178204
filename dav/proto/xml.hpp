// Namespace-correct XML on top of pugixml (RFC 4918 section 8.2, Namespaces in XML 1.0):
// prefixes resolve to URIs through the element's ancestors, the default namespace applies to
// elements (not attributes), and a DTD is refused so that no entity is ever expanded.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <pugixml.hpp>
#include <tl/expected.hpp>

namespace quire::dav {

inline constexpr std::string_view dav_ns = "DAV:";

struct QName {
    std::string_view ns;    // namespace URI ("" for no namespace)
    std::string_view local; // local name
};

// A parsed, validated request body. Owns the pugixml document.
class XmlDocument {
public:
    pugi::xml_node root() const { return doc_->document_element(); }

private:
    friend tl::expected<XmlDocument, std::string> parse_xml(std::string_view body);
    std::unique_ptr<pugi::xml_document> doc_;
};

// Parses and checks a request body: well-formed (one root element, nothing but whitespace,
// comments and processing instructions outside it, an XML declaration only at the start, no
// duplicate attribute, only characters and references XML allows), no DOCTYPE, every prefix
// declared, no prefix bound to the empty URI. Whitespace-only text is kept (dead property
// values keep all their characters). The error says what is wrong and where.
tl::expected<XmlDocument, std::string> parse_xml(std::string_view body);

// The namespace URI and local name of an element.
QName qname(pugi::xml_node element);
bool is(pugi::xml_node element, std::string_view ns, std::string_view local);
// The first child element with that name, or an empty node.
pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view local);

// xml:lang in scope for an element ("" when none).
std::string_view xml_lang(pugi::xml_node element);

// Escapes text for element content and attribute values.
void append_escaped(std::string& out, std::string_view text);

} // namespace quire::dav
