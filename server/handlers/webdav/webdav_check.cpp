#include "webdav_check.hpp"

#include <system_error>

namespace quire::handlers {

namespace fs = std::filesystem;

namespace {

bool is_folder(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool is_there(const fs::path& p) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(p, ec));
}

// The folder a file or repository would be made in.
tl::expected<void, std::string> folder_exists_for(const fs::path& p, const std::string& what) {
    const auto parent = p.parent_path();
    if (!is_folder(parent)) {
        return tl::unexpected("cannot create " + what + " " + p.string() + ": the folder " +
                              parent.string() + " does not exist");
    }
    return {};
}

tl::expected<void, std::string> check_store(const StoreSpec& spec) {
    const fs::path path(spec.path);
    if (spec.kind == "fs") {
        if (!is_folder(path)) {
            return tl::unexpected("fs store root " + spec.path + " is not a directory");
        }
        return {};
    }
    if (spec.kind == "sqlite") {
        if (is_there(path) && is_folder(path)) {
            return tl::unexpected("sqlite store " + spec.path + " is a directory, not a file");
        }
        return folder_exists_for(path, "the sqlite store");
    }
    if (is_there(path)) {
        if (!is_folder(path / "objects") || !is_there(path / "HEAD")) {
            return tl::unexpected("git store " + spec.path + " is not a bare git repository");
        }
        return {};
    }
    return folder_exists_for(path, "the git repository");
}

} // namespace

tl::expected<StoreSpec, std::string> parse_store_spec(const std::string& spec,
                                                      const fs::path& base) {
    StoreSpec out{"fs", spec};
    if (const auto colon = spec.find(':'); colon != std::string::npos) {
        out.kind = spec.substr(0, colon);
        out.path = spec.substr(colon + 1);
    }
    if (out.path.empty()) {
        return tl::unexpected("store '" + spec + "' names no path (fs:DIR, sqlite:FILE, git:REPO)");
    }
    if (out.kind != "fs" && out.kind != "sqlite" && out.kind != "git") {
        return tl::unexpected("unknown store kind '" + out.kind + "' (fs, sqlite or git)");
    }
    out.path = (base / out.path).lexically_normal().string();
    return out;
}

fs::path lock_table_of(const WebdavSettings& settings, const StoreSpec& spec,
                       const fs::path& base) {
    if (!settings.locks.empty()) {
        return base / settings.locks;
    }
    if (spec.kind == "fs") {
        return fs::path(spec.path) / ".quire" / "locks.db";
    }
    if (spec.kind == "sqlite") {
        return spec.path + ".locks";
    }
    return fs::path(spec.path) / "quire-locks.db";
}

tl::expected<void, WebdavSetupError> check_webdav_settings(const WebdavSettings& settings,
                                                           const fs::path& base) {
    auto spec = parse_store_spec(settings.store, base);
    if (!spec) {
        return tl::unexpected(WebdavSetupError{"store", spec.error()});
    }
    if (auto ok = check_store(*spec); !ok) {
        return tl::unexpected(WebdavSetupError{"store", ok.error()});
    }
    if (settings.read_only && !is_there(spec->path)) {
        // A read-only mount creates nothing, the sqlite file or git repository included.
        return tl::unexpected(WebdavSetupError{"store", spec->kind + " store " + spec->path +
                                                            " does not exist (a read_only mount "
                                                            "serves an existing store)"});
    }
    if (!settings.locks.empty()) {
        if (auto ok = folder_exists_for(base / settings.locks, "the lock table"); !ok) {
            return tl::unexpected(WebdavSetupError{"locks", ok.error()});
        }
    }
    return {};
}

} // namespace quire::handlers
