// `quire check-config` for a webdav mount: its store and lock table are checked where they
// would be opened, without opening them (opening creates what is missing: an fs share's
// .quire, an SQLite file, a git repository).
#pragma once

#include "webdav_config.hpp"

#include <filesystem>
#include <string>

#include <tl/expected.hpp>

namespace quire::handlers {

// A store setting taken apart: "fs:DIR", "sqlite:FILE", "git:REPO", or a bare DIR (fs).
struct StoreSpec {
    std::string kind;
    std::string path; // made absolute against the configuration's folder
};
tl::expected<StoreSpec, std::string> parse_store_spec(const std::string& spec,
                                                      const std::filesystem::path& base);

// The lock table's file: `locks` (relative to base), or by default the one next to the store
// (DIR/.quire/locks.db, FILE.locks, REPO/quire-locks.db).
std::filesystem::path lock_table_of(const WebdavSettings& settings, const StoreSpec& spec,
                                    const std::filesystem::path& base);

// What running would refuse, or create where the user likely mistyped: an fs share's folder
// must exist; an SQLite file's folder must exist; a git repository must exist or have its
// parent folder (running creates the repository, never the folders above it); a lock table's
// folder must exist.
tl::expected<void, WebdavSetupError> check_webdav_settings(const WebdavSettings& settings,
                                                           const std::filesystem::path& base);

} // namespace quire::handlers
