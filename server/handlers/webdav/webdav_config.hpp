// The "webdav" mount: opens the mount's store and lock table and builds dav::DavOptions, from
// a [[mount]] table or from `quire serve --webdav --store ...`.
#pragma once

#include "config/table_reader.hpp"
#include "core/handler.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <tl/expected.hpp>

namespace quire::handlers {

struct WebdavSettings {
    // "fs:DIR", "sqlite:FILE" or "git:REPO" (a bare repository, created when missing in a
    // folder that exists).
    std::string store;
    // The lock table (SQLite); default: next to the store (DIR/.quire/locks.db,
    // FILE.locks, REPO/quire-locks.db).
    std::string locks;
    bool depth_infinity = true;
    // fs and sqlite: fsync every write (survives a power loss); false survives a process crash
    // only, like servers that never fsync.
    bool durable = true;
    // fs store: how long files changed by other tools may be served from memory (static
    // handler's cache_ttl has the same meaning); writes through Quire are seen at once.
    std::chrono::seconds cache_ttl{1};
    // fs store: follow symbolic links that lead out of the share (as the static handler's
    // follow_symlinks); off, they are refused (403) and left out of listings.
    bool follow_symlinks = false;
    std::uint64_t max_xml_body = 1 << 20;
    std::optional<std::uint64_t> quota;
    std::chrono::seconds lock_timeout{600};
    std::chrono::seconds max_lock_timeout{7 * 24 * 3600};
    bool refuse_macos_metadata = false;
    // The mount's read_only (the authentication phase's key, read here too): the store is
    // opened read-only (it writes nothing to disk, on any file system: a snapshot, read-only
    // media) behind storage::read_only, which refuses every write; the lock table is a
    // private one in memory (a read-only mount takes no locks) and nothing in it is dropped.
    bool read_only = false;
};

// What make_webdav_handler could not do, and the setting to blame for it ("store" or
// "locks"), so that a configuration error names the right line.
struct WebdavSetupError {
    std::string setting;
    std::string message;
};

// Relative paths in the store spec are taken from base.
tl::expected<std::shared_ptr<core::Handler>, WebdavSetupError>
make_webdav_handler(WebdavSettings settings, const std::filesystem::path& base);

std::shared_ptr<core::Handler> webdav_handler_from_config(config::TableReader& mount);

} // namespace quire::handlers
