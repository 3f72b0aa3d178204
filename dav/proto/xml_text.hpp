// The character data of XML request bodies: which characters XML allows (XML 1.0 section 2.2)
// and the references that stand for them (sections 4.1 and 4.6). pugixml lets through
// characters no response could carry and references no document declares, so parse_xml
// reads bodies with pugixml's own expansion off and expands them here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::dav {

// A character XML 1.0 section 2.2 does not allow, and its byte offset.
struct IllegalXmlChar {
    std::size_t at;
    char32_t code;
};

// The first character in valid UTF-8 text that is not an XML Char: a control character other
// than tab, line feed and carriage return, U+FFFE or U+FFFF (surrogates and code points past
// U+10FFFF are not valid UTF-8, so they are never here).
std::optional<IllegalXmlChar> illegal_xml_char(std::string_view utf8);

// "U+FFFE at byte 12 is not a legal XML character (XML 1.0 section 2.2)".
std::string describe(const IllegalXmlChar& c);

// Text as pugixml leaves it without pugi::parse_escapes (an element's text or an attribute
// value), with its references replaced by what they stand for: the five predefined entities
// (section 4.6) and character references (section 4.1). An error for a reference to a
// character XML does not allow (&#0;, &#xD800;, &#xFFFE;), an entity never declared (&foo;:
// no DTD is read, so only lt, gt, amp, apos and quot exist) and an '&' that starts none.
tl::expected<std::string, std::string> expand_references(std::string_view raw);

} // namespace quire::dav
