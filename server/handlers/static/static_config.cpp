#include "static_config.hpp"

#include "static_handler.hpp"

#include "config/read_file.hpp"

namespace quire::handlers {

std::shared_ptr<core::Handler> static_handler_from_config(config::TableReader& mount) {
    StaticOptions o;
    auto root = mount.path("root");
    if (!root) {
        mount.error_here("the static handler needs root = \"/a/folder\"");
        return nullptr;
    }
    o.root = *root;
    if (auto v = mount.strings("index")) {
        o.index = *v;
    }
    o.listing = mount.boolean("listing").value_or(o.listing);
    o.follow_symlinks = mount.boolean("follow_symlinks").value_or(o.follow_symlinks);
    o.cache_control = mount.string("cache_control").value_or("");
    o.expires = mount.integer("expires", 0, 10ll * 365 * 24 * 3600);
    o.precompressed = mount.boolean("precompressed").value_or(false);
    if (auto ttl = mount.integer("cache_ttl", 0, 3600)) {
        o.cache_ttl = static_cast<int>(*ttl);
    }
    if (auto file = mount.path("mime_types")) {
        // The default, /etc/mime.types, may be missing (the built-in types serve then); a file
        // the configuration names must be there, or its types would be lost without a word.
        if (auto readable = config::read_file(*file); !readable) {
            mount.error("mime_types", "cannot read " + *file + ": " + readable.error());
        } else {
            o.mime_file = *file;
        }
    }
    if (const auto* mime = mount.table("mime")) {
        for (const auto& [ext, type] : *mime) {
            auto t = type.value<std::string>();
            if (!t) {
                mount.error("mime", "values must be media type strings");
                continue;
            }
            o.mime.emplace_back(std::string(ext.str()), *t);
        }
    }
    auto handler = StaticHandler::create(std::move(o));
    if (!handler) {
        mount.error("root", handler.error());
        return nullptr;
    }
    return *handler;
}

} // namespace quire::handlers
