#include "exchange.hpp"

#include "router.hpp"

namespace quire::core {

std::string_view Exchange::path_in_mount() const {
    std::string_view p = path_;
    if (mount_.prefix == "/") {
        return p;
    }
    p.remove_prefix(mount_.prefix.size()); // the router matched it on a segment boundary
    return p.empty() ? std::string_view("/") : p;
}

} // namespace quire::core
