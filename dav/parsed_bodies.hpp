// The PROPFIND bodies a worker parsed lately, by their exact bytes. Clients send the same few
// bodies again and again (every DAVx5 or Thunderbird sync, every Finder window), and parsing
// one (pugixml, then the namespace checks) was 40% of the instructions of a Depth 0 PROPFIND.
// One per worker thread (core::WorkerLocals): no locking.
#pragma once

#include "dav/proto/requests.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quire::dav {

class ParsedPropfinds {
public:
    static constexpr std::size_t max_entries = 16;
    static constexpr std::size_t max_body_bytes = 4096; // larger bodies are parsed each time

    // The parsed body, or null when it is not here (or the body did not parse).
    std::shared_ptr<const PropfindRequest> find(std::string_view body);
    // Remembers a parsed body, dropping the one used least recently when full.
    void remember(std::string_view body, std::shared_ptr<const PropfindRequest> parsed);

private:
    // Most recently used first; a handful of entries, so a linear search.
    std::vector<std::pair<std::string, std::shared_ptr<const PropfindRequest>>> entries_;
};

} // namespace quire::dav
