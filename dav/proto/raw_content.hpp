// Where an element's content lies in the bytes it was parsed from, so that a dead property
// value is kept exactly as the client wrote it: CDATA sections, comments, processing
// instructions, character references, quoting and spacing inside tags (RFC 4918 section 4.3
// asks for less, the information items; a client comparing bytes gets them back too).
//
// pugixml gives the offset where each node starts, but not where an element ends. This second
// parse of the same bytes turns every construct into a node and changes none, so after an
// element's content come only end tags (its own, then those of ancestors with nothing after
// them) up to the next node or the end of the body.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <pugixml.hpp>
#include <tl/expected.hpp>

namespace quire::dav {

class RawContent {
public:
    // body: the bytes parse_xml accepted; they must outlive this object.
    static tl::expected<RawContent, std::string> of(std::string_view body);

    // The bytes between element's start tag and its end tag ("" for <a/> and <a></a>).
    // element comes from parse_xml(body): the two parses have the same elements.
    std::string_view content(pugi::xml_node element) const;

private:
    pugi::xml_node counterpart(pugi::xml_node element) const;

    std::string_view body_;
    std::unique_ptr<pugi::xml_document> doc_;
    mutable pugi::xml_node last_element_; // the element asked for last, and its counterpart
    mutable pugi::xml_node last_raw_;
};

} // namespace quire::dav
