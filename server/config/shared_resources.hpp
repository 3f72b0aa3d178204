// What several tables of one configuration may name (a WebDAV store reached through two
// mounts): the first to name a resource records how it uses it, and a later one is checked
// against that, since the handlers are built one mount at a time.
#pragma once

#include <map>
#include <string>
#include <utility>

namespace quire::config {

class SharedResources {
public:
    struct Use {
        std::string how; // e.g. the lock table the store is used with
        long line = 0;   // where the first user names the resource
    };

    // The first use of `resource`: `use` itself when there was none before.
    const Use& first_use(const std::string& resource, Use use) {
        return uses_.try_emplace(resource, std::move(use)).first->second;
    }

private:
    std::map<std::string, Use> uses_;
};

} // namespace quire::config
