// A dead property value as stored. A value set by PROPPATCH is its content exactly as the
// client sent it, behind a header with what that content needs from around it: the namespace
// declarations in scope and xml:lang (RFC 4918 section 4.3):
//
//     <?quire-value lang="fr" xmlns:D="DAV:" xmlns:Z="urn:z"?>CONTENT
//
// The header's values are escaped, so the first "?>" ends it. A value without the header is
// XML content that stands alone (made by the server, or stored before the header existed),
// possibly behind "<?lang TAG?>".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace quire::dav {

struct DeadValue {
    std::string_view lang;         // escaped; "" when none
    std::string_view declarations; // ` xmlns:p="uri"` and ` xmlns="uri"`, escaped; "" when none
    std::string_view content;      // XML content
};

// The namespace declarations in scope at element, the nearest binding of each prefix, as the
// header writes them (` xmlns:p="uri"`, escaped). xmlns="" leaves the default namespace unset,
// which needs no declaration.
std::string declarations_in_scope(pugi::xml_node element);

// The stored form of the value of element, a property element: content is the bytes between
// its tags, parent_scope declarations_in_scope(its parent) (the same for all the properties of
// one DAV:prop, so it is found once). An empty value gets no declarations.
std::string encode_dead_value(pugi::xml_node element, std::string_view parent_scope,
                              std::string_view content);

DeadValue decode_dead_value(std::string_view stored);

// One declaration of DeadValue::declarations.
struct Declaration {
    std::string_view name; // "xmlns:p", or "xmlns" for the default namespace
    std::string_view uri;  // escaped
    std::string_view prefix() const { return name.size() > 6 ? name.substr(6) : name.substr(5); }
};
std::vector<Declaration> split_declarations(std::string_view declarations);

} // namespace quire::dav
