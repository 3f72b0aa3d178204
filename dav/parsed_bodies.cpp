#include "parsed_bodies.hpp"

#include <algorithm>

namespace quire::dav {

std::shared_ptr<const PropfindRequest> ParsedPropfinds::find(std::string_view body) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const auto& e) { return e.first == body; });
    if (it == entries_.end()) {
        return nullptr;
    }
    std::rotate(entries_.begin(), it, it + 1); // to the front
    return entries_.front().second;
}

void ParsedPropfinds::remember(std::string_view body,
                               std::shared_ptr<const PropfindRequest> parsed) {
    if (body.size() > max_body_bytes || !parsed) {
        return;
    }
    if (entries_.size() == max_entries) {
        entries_.pop_back();
    }
    entries_.emplace(entries_.begin(), std::string(body), std::move(parsed));
}

} // namespace quire::dav
