#include "router.hpp"

#include <algorithm>

namespace quire::core {

Router::Router(std::vector<VirtualHost> hosts) : hosts_(std::move(hosts)) {
    bool have_default = false;
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
        auto& vh = hosts_[i];
        // Longest prefix first, so the first match in find_mount is the best one.
        std::stable_sort(vh.mounts.begin(), vh.mounts.end(), [](const Mount& a, const Mount& b) {
            return a.prefix.size() > b.prefix.size();
        });
        if (vh.names.empty() && !have_default) {
            default_ = i;
            have_default = true;
        }
        for (const auto& name : vh.names) {
            if (name.starts_with("*.")) {
                wildcards_.emplace_back(name.substr(1), i);
            } else {
                exact_.emplace(name, i);
            }
        }
    }
    std::stable_sort(wildcards_.begin(), wildcards_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

const VirtualHost& Router::find_host(std::string_view host) const {
    // "example.org." is the same name as "example.org" (a fully qualified name, RFC 1034
    // section 3.1), which is how virtual hosts are configured.
    if (host.size() > 1 && host.back() == '.') {
        host.remove_suffix(1);
    }
    if (auto it = exact_.find(host); it != exact_.end()) {
        return hosts_[it->second];
    }
    for (const auto& [suffix, index] : wildcards_) {
        if (host.size() > suffix.size() && host.ends_with(suffix)) {
            return hosts_[index];
        }
    }
    return hosts_[default_];
}

const Mount* Router::find_mount(const VirtualHost& host, std::string_view path) {
    for (const auto& m : host.mounts) {
        if (m.prefix == "/") {
            return &m;
        }
        if (path.starts_with(m.prefix) &&
            (path.size() == m.prefix.size() || path[m.prefix.size()] == '/')) {
            return &m;
        }
    }
    return nullptr;
}

bool host_matches(std::string_view pattern, std::string_view host) {
    if (pattern.starts_with("*.")) {
        pattern.remove_prefix(1);
        return host.size() > pattern.size() && host.ends_with(pattern);
    }
    return pattern == host;
}

} // namespace quire::core
