#include "registry.hpp"

#include "static/static_config.hpp"
#include "webdav/webdav_config.hpp"

#include <array>
#include <utility>

namespace quire::handlers {

namespace {
constexpr std::array<std::pair<std::string_view, Factory>, 2> factories = {{
    {"static", &static_handler_from_config},
    {"webdav", &webdav_handler_from_config},
}};
} // namespace

Factory find_factory(std::string_view name) {
    for (const auto& [n, f] : factories) {
        if (n == name) {
            return f;
        }
    }
    return nullptr;
}

std::string handler_names() {
    std::string out;
    for (const auto& [n, f] : factories) {
        if (!out.empty()) {
            out += ", ";
        }
        out += n;
    }
    return out;
}

} // namespace quire::handlers
