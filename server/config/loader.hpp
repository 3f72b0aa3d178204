// Builds a Config from a TOML file (every problem reported as FILE:LINE: message), or from
// the options of `quire serve`.
#pragma once

#include "config.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace quire::config {

using LoadResult = tl::expected<std::shared_ptr<const Config>, std::vector<std::string>>;

// run: the configuration is built to be served (stores are opened, and created when missing).
// check: `quire check-config`: every setting is checked, but nothing is created or changed on
// disk; the Config that comes back is for inspection only, not to be served.
enum class Purpose { run, check };

LoadResult load_config_file(const std::string& path, Purpose purpose = Purpose::run);
// name is used in messages; relative paths resolve against base_dir.
LoadResult load_config_text(std::string_view text, const std::string& name,
                            const std::string& base_dir, Purpose purpose = Purpose::run);

// "host:port", "[v6]:port" or ":port"; the host defaults to 127.0.0.1.
tl::expected<std::pair<std::string, std::uint16_t>, std::string>
parse_listen_address(std::string_view text);

struct QuickOptions {
    std::string dir = ".";
    std::string listen = "127.0.0.1:8080";
    unsigned workers = 0;
    std::string access_log = "off";
    bool webdav = false; // serve DIR (or store) as a WebDAV share instead of static files
    std::string store;   // with webdav: "fs" (DIR itself), "sqlite:FILE" or "git:REPO"
    // with webdav: a mount with read_only = true and no htpasswd (anyone reads, no one
    // writes), whose store is opened read-only: nothing is written to disk.
    bool read_only = false;
};
// `quire serve DIR`: one listener, one vhost, the static handler with listing on DIR, or
// with --webdav a WebDAV share of DIR (or of --store).
LoadResult quick_config(const QuickOptions& options);

} // namespace quire::config
