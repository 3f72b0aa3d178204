#include "auth_config.hpp"

#include "basic_auth_handler.hpp"

namespace quire::handlers {

std::shared_ptr<core::Handler> auth_handler_from_config(config::TableReader& mount) {
    AuthOptions o;
    const auto scheme = mount.string("auth");
    const auto htpasswd = mount.path("htpasswd");
    const auto realm = mount.string("realm");
    const auto read_only = mount.boolean("read_only");
    auto readers = mount.strings("readers");
    auto writers = mount.strings("writers");
    bool ok = true;
    if (scheme && *scheme != "basic") {
        mount.error("auth", "the only scheme is \"basic\"");
        ok = false;
    }
    if (!htpasswd) {
        const char* orphan = scheme    ? "auth"
                             : realm   ? "realm"
                             : readers ? "readers"
                             : writers ? "writers"
                                       : nullptr;
        if (orphan) {
            mount.error(orphan, "needs htpasswd = \"FILE\"");
            ok = false;
        }
    }
    if (realm) {
        for (char c : *realm) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                mount.error("realm", "must not contain control characters");
                ok = false;
                break;
            }
        }
        o.realm = *realm;
    }
    o.read_only = read_only.value_or(false);
    if (o.read_only && writers && !writers->empty()) {
        mount.error("writers", "a read_only mount has no writers");
        ok = false;
    }
    if (readers || writers) {
        o.lists = true;
        o.readers = std::move(readers).value_or(std::vector<std::string>{});
        o.writers = std::move(writers).value_or(std::vector<std::string>{});
    }
    if (!ok || (!htpasswd && !o.read_only)) {
        return nullptr;
    }
    o.htpasswd = htpasswd.value_or("");
    if (!o.htpasswd.empty()) {
        const long line = mount.line_of("htpasswd");
        o.warn =
            mount.shared_resources().first_use("htpasswd " + o.htpasswd, {{}, line}).line == line;
    }
    auto handler = BasicAuthHandler::create(std::move(o));
    if (!handler) {
        mount.error("htpasswd", handler.error());
        return nullptr;
    }
    return *handler;
}

} // namespace quire::handlers
