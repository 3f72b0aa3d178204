#include "raw_content.hpp"

#include <vector>

namespace quire::dav {

namespace {

// The offset of the first byte of a node of the raw parse. pugixml points element and PI nodes
// at their name, text, CDATA and comment nodes at their value.
std::size_t start_of(pugi::xml_node n) {
    const auto at = static_cast<std::size_t>(n.offset_debug());
    switch (n.type()) {
    case pugi::node_element:
        return at - 1; // "<"
    case pugi::node_pi:
    case pugi::node_declaration:
        return at - 2; // "<?"
    case pugi::node_cdata:
        return at - 9; // "<![CDATA["
    case pugi::node_comment:
        return at - 4; // "<!--"
    default:
        return at;
    }
}

pugi::xml_node previous_element(pugi::xml_node n) {
    do {
        n = n.previous_sibling();
    } while (n && n.type() != pugi::node_element);
    return n;
}

pugi::xml_node next_element(pugi::xml_node n) {
    do {
        n = n.next_sibling();
    } while (n && n.type() != pugi::node_element);
    return n;
}

// The element of doc at the same place as element is in its own document.
pugi::xml_node find_counterpart(const pugi::xml_document& doc, pugi::xml_node element) {
    std::vector<std::size_t> path; // element indices among siblings, innermost first
    for (auto n = element; n.parent(); n = n.parent()) {
        std::size_t index = 0;
        for (auto s = n.previous_sibling(); s; s = s.previous_sibling()) {
            index += s.type() == pugi::node_element ? 1 : 0;
        }
        path.push_back(index);
    }
    pugi::xml_node at = doc;
    for (auto step = path.rbegin(); step != path.rend() && at; ++step) {
        auto c = at.first_child();
        for (std::size_t seen = 0; c; c = c.next_sibling()) {
            if (c.type() == pugi::node_element && seen++ == *step) {
                break;
            }
        }
        at = c;
    }
    return at;
}

} // namespace

tl::expected<RawContent, std::string> RawContent::of(std::string_view body) {
    RawContent r;
    r.body_ = body;
    r.doc_ = std::make_unique<pugi::xml_document>();
    // Every construct a node (comments, PIs, CDATA, whitespace-only text); nothing expanded or
    // normalized, so every node still points into the copy of body.
    const unsigned options = pugi::parse_cdata | pugi::parse_comments | pugi::parse_pi |
                             pugi::parse_ws_pcdata | pugi::parse_fragment |
                             pugi::parse_declaration | pugi::parse_doctype;
    if (!r.doc_->load_buffer(body.data(), body.size(), options, pugi::encoding_utf8)) {
        return tl::unexpected(std::string("the body does not parse a second time"));
    }
    return r;
}

pugi::xml_node RawContent::counterpart(pugi::xml_node element) const {
    // Siblings asked for in order (the properties of one DAV:prop) are found from the one
    // before: walking from the root for each would take time growing with the square of their
    // number.
    pugi::xml_node raw;
    if (last_element_ && previous_element(element) == last_element_) {
        raw = next_element(last_raw_);
    } else {
        raw = find_counterpart(*doc_, element);
    }
    last_element_ = element;
    last_raw_ = raw;
    return raw;
}

std::string_view RawContent::content(pugi::xml_node element) const {
    const auto raw = counterpart(element);
    const auto first = raw.first_child();
    if (!first) {
        return {};
    }
    const auto begin = start_of(first);
    // The end tags between the content and the next node: element's own, then one for each
    // ancestor that is left with nothing after it.
    std::size_t bound = body_.size();
    std::size_t end_tags = 1;
    for (auto n = raw; n; n = n.parent()) {
        if (const auto next = n.next_sibling()) {
            bound = start_of(next);
            break;
        }
        if (n.parent().type() != pugi::node_element) {
            break; // n is the root element: its end tag ends the document
        }
        ++end_tags;
    }
    auto end = bound;
    for (; end_tags > 0; --end_tags) {
        const auto lt = end > begin ? body_.rfind('<', end - 1) : std::string_view::npos;
        if (lt == std::string_view::npos || lt < begin) {
            return {}; // not for a body parse_xml accepted
        }
        end = lt;
    }
    return body_.substr(begin, end - begin);
}

} // namespace quire::dav
