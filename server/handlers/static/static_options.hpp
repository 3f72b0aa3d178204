// Options of the static files handler.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quire::handlers {

struct StaticOptions {
    std::string root;                                // the document root
    std::vector<std::string> index = {"index.html"}; // tried in order for a directory
    bool listing = true;                             // HTML listing when no index file exists
    bool follow_symlinks = false;                    // allow symbolic links that leave the root
    std::string cache_control;                       // Cache-Control value; empty for none
    std::optional<std::int64_t> expires;             // Expires: now + seconds
    bool precompressed = false;                      // serve .br/.gz siblings when accepted
    int cache_ttl = 1; // seconds files stay in the open-file cache; 0: off
    std::string mime_file = "/etc/mime.types";
    std::vector<std::pair<std::string, std::string>> mime; // extension -> type overrides
};

} // namespace quire::handlers
