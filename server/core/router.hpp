// Virtual hosts and mounts: the Host field picks a virtual host, then the longest mount
// prefix (on a path-segment boundary) picks the mount.
#pragma once

#include "handler.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace quire::core {

// A custom error page (read from its file, or a fixed text, when the config is loaded).
struct ErrorPage {
    std::string body;
    std::string content_type = "text/html; charset=utf-8";
};
using ErrorPages = std::map<int, ErrorPage>;

struct Mount {
    std::string prefix;                             // decoded; "/" or "/a/b" (no trailing slash)
    std::vector<std::shared_ptr<Handler>> handlers; // tried in order while they answer next
    ErrorPages error_pages;
};

struct VirtualHost {
    // Exact names ("example.org") or wildcards ("*.example.org"); empty for the default host.
    std::vector<std::string> names;
    std::vector<Mount> mounts;
    ErrorPages error_pages;
    std::string tls_cert; // used for SNI when set
    std::string tls_key;
};

class Router {
public:
    explicit Router(std::vector<VirtualHost> hosts);

    // The vhost whose name matches host (lower-case, no port): exact names first, then the
    // longest wildcard, then the default (the first vhost without names, else the first).
    const VirtualHost& find_host(std::string_view host) const;
    // The mount with the longest prefix matching path, or nullptr.
    static const Mount* find_mount(const VirtualHost& host, std::string_view path);

    const std::vector<VirtualHost>& hosts() const { return hosts_; }

private:
    std::vector<VirtualHost> hosts_;
    std::map<std::string, std::size_t, std::less<>> exact_;
    std::vector<std::pair<std::string, std::size_t>> wildcards_; // ".example.org", longest first
    std::size_t default_ = 0;
};

bool host_matches(std::string_view pattern, std::string_view host);

} // namespace quire::core
