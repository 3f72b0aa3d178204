#include "webdav_config.hpp"
#include "webdav_check.hpp"

#include "dav/dav_handler.hpp"
#include "dav/locks/sqlite_lock_store.hpp"
#include "dav/locks/stale_locks.hpp"
#include "storage/fs/fs_store.hpp"
#include "storage/git/git_store.hpp"
#include "storage/read_only_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

#include <cerrno>
#include <cstring>
#include <sys/statvfs.h>

#include <spdlog/spdlog.h>

namespace quire::handlers {

namespace fs = std::filesystem;

namespace {

struct OpenedStore {
    std::shared_ptr<storage::Store> store;
    std::string locks;      // the lock table's file
    std::string space_path; // statvfs for quota-available-bytes
};

bool on_read_only_file_system(const std::string& path) {
    struct statvfs vfs {};
    return !path.empty() && ::statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

tl::expected<OpenedStore, std::string> open_store(const WebdavSettings& settings,
                                                  const fs::path& base) {
    auto spec = parse_store_spec(settings.store, base);
    if (!spec) {
        return tl::unexpected(spec.error());
    }
    const std::string& kind = spec->kind;
    const std::string& path = spec->path;
    OpenedStore out;
    out.locks = lock_table_of(settings, *spec, base).string();
    storage::Result<std::unique_ptr<storage::Store>> opened =
        tl::unexpected(storage::Error{storage::Errc::not_supported, ""});
    if (kind == "fs") {
        opened = storage::fs::open(path,
                                   storage::fs::Options{.durable = settings.durable,
                                                        .cache_ttl = settings.cache_ttl,
                                                        .follow_symlinks = settings.follow_symlinks,
                                                        .read_only = settings.read_only,
                                                        .note = [](const std::string& note) {
                                                            spdlog::warn("{}", note);
                                                        }});
        out.space_path = path;
    } else if (kind == "sqlite") {
        storage::sqlite::Options so;
        so.durable = settings.durable;
        so.read_only = settings.read_only;
        opened = storage::sqlite::open(path, so);
        out.space_path = fs::path(path).parent_path().string();
    } else {
        storage::git::Options go;
        go.read_only = settings.read_only;
        opened = storage::git::open(path, go);
        out.space_path = path;
    }
    if (!opened) {
        std::string message = opened.error().message;
        if (!settings.read_only && on_read_only_file_system(out.space_path)) {
            // A store opened for writing must make or change files, which no file system
            // mounted read-only allows; a read-only mount writes nothing.
            if (message.find(std::strerror(EROFS)) == std::string::npos) {
                message += ": " + std::string(std::strerror(EROFS));
            }
            message += " (a mount with read_only = true, or quire serve --read-only, serves it "
                       "without writing)";
        }
        return tl::unexpected("cannot open " + kind + " store " + path + ": " + message);
    }
    out.store = settings.read_only ? storage::read_only(std::move(*opened)) : std::move(*opened);
    return out;
}

// What a checked configuration mounts in place of a share (config::Purpose::check): such a
// configuration is never served; were it, every request would pass on to a 404.
class CheckedShare final : public core::Handler {
public:
    asio::awaitable<core::Outcome> handle(core::Exchange&) override {
        co_return core::Outcome::next;
    }
};

// lock_timeout is what a LOCK without Timeout gets, max_lock_timeout the most any LOCK gets:
// a lock_timeout given above the maximum is an error; the built-in one (600 s) is limited to a
// smaller maximum.
bool limit_lock_timeout(config::TableReader& mount, WebdavSettings& s, bool given) {
    if (s.lock_timeout <= s.max_lock_timeout) {
        return true;
    }
    if (!given) {
        s.lock_timeout = s.max_lock_timeout;
        return true;
    }
    mount.error("lock_timeout", "more than max_lock_timeout (" +
                                    std::to_string(s.max_lock_timeout.count()) + " seconds)");
    return false;
}

// One file or folder however the configuration spells it (relative, through a symbolic link),
// as far as it exists.
fs::path resolved(const fs::path& p) {
    std::error_code ec;
    auto c = fs::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : c;
}

// A store that two mounts reach must keep its locks in one table: with two, a lock taken
// through one mount would not stop writes through the other (RFC 4918 section 7: a write lock
// keeps everyone without its token from changing the resource).
bool check_one_lock_table(config::TableReader& mount, const WebdavSettings& s) {
    if (s.read_only) {
        return true; // its lock table is private and empty: it takes no locks, allows no writes
    }
    auto spec = parse_store_spec(s.store, mount.base_dir());
    if (!spec) {
        return true; // reported where the store is checked or opened
    }
    const auto store = spec->kind + ":" + resolved(spec->path).string();
    const auto locks = resolved(lock_table_of(s, *spec, mount.base_dir())).string();
    const auto& first = mount.shared_resources().first_use("webdav store " + store,
                                                           {locks, mount.line_of("store")});
    if (first.how == locks) {
        return true;
    }
    mount.error(s.locks.empty() ? "store" : "locks",
                "the store " + store + " is also mounted at line " + std::to_string(first.line) +
                    " with the lock table " + first.how + ", here with " + locks +
                    ": a lock taken through one mount would not stop writes through the other "
                    "(give both mounts the same locks, or none)");
    return false;
}

} // namespace

tl::expected<std::shared_ptr<core::Handler>, WebdavSetupError>
make_webdav_handler(WebdavSettings settings, const fs::path& base) {
    auto opened = open_store(settings, base);
    if (!opened) {
        return tl::unexpected(WebdavSetupError{"store", opened.error()});
    }
    // A read-only mount takes no locks: a private table in memory, no file made.
    const std::string locks_file = settings.read_only ? std::string(":memory:") : opened->locks;
    auto locks =
        dav::open_sqlite_lock_store(locks_file, std::chrono::system_clock::now, settings.durable);
    if (!locks) {
        return tl::unexpected(WebdavSetupError{settings.locks.empty() ? "store" : "locks",
                                               "cannot open the lock table " + locks_file + ": " +
                                                   locks.error().message});
    }
    // What a killed process (or another program) left: locks on names where nothing is.
    // Not in a read-only mount's table, which is empty (and dropping writes).
    if (!settings.read_only) {
        auto dropped = dav::drop_locks_without_resource(**locks, *opened->store);
        if (!dropped) {
            return tl::unexpected(WebdavSetupError{settings.locks.empty() ? "store" : "locks",
                                                   "cannot read the lock table " + locks_file +
                                                       ": " + dropped.error().message});
        }
        if (*dropped > 0) {
            spdlog::info("{}: dropped {} lock(s) on names where nothing is", locks_file, *dropped);
        }
    }
    dav::DavOptions o;
    o.inline_reads = opened->store->capabilities().fast_reads;
    o.store = std::move(opened->store);
    o.locks = std::move(*locks);
    o.allow_depth_infinity = settings.depth_infinity;
    o.max_xml_body = settings.max_xml_body;
    o.quota_path = opened->space_path;
    if (settings.quota) {
        o.quota = std::make_shared<dav::QuotaMeter>(*settings.quota);
    }
    o.default_lock_timeout = settings.lock_timeout;
    o.max_lock_timeout = settings.max_lock_timeout;
    o.refuse_macos_metadata = settings.refuse_macos_metadata;
    o.read_only_store = settings.read_only;
    return dav::make_dav_handler(std::move(o));
}

std::shared_ptr<core::Handler> webdav_handler_from_config(config::TableReader& mount) {
    WebdavSettings s;
    auto store = mount.string("store");
    if (!store) {
        mount.error_here(
            "the webdav handler needs store = \"fs:DIR\", \"sqlite:FILE\" or \"git:REPO\"");
        return nullptr;
    }
    s.store = *store;
    s.locks = mount.string("locks").value_or("");
    s.depth_infinity = mount.boolean("depth_infinity").value_or(true);
    s.durable = mount.boolean("durable").value_or(true);
    if (auto ttl = mount.integer("cache_ttl", 0, 3600)) {
        s.cache_ttl = std::chrono::seconds(*ttl);
    }
    s.follow_symlinks = mount.boolean("follow_symlinks").value_or(false);
    s.max_xml_body = mount.size("max_xml_body").value_or(s.max_xml_body);
    s.quota = mount.size("quota");
    const auto lock_timeout = mount.integer("lock_timeout", 1, 365ll * 24 * 3600);
    if (lock_timeout) {
        s.lock_timeout = std::chrono::seconds(*lock_timeout);
    }
    if (auto t = mount.integer("max_lock_timeout", 1, 365ll * 24 * 3600)) {
        s.max_lock_timeout = std::chrono::seconds(*t);
    }
    s.refuse_macos_metadata = mount.boolean("refuse_macos_metadata").value_or(false);
    // The authentication phase's key (auth_config.cpp refuses the writes): here it opens the
    // store so that nothing is written at all.
    s.read_only = mount.boolean_shared("read_only").value_or(false);
    bool ok = limit_lock_timeout(mount, s, lock_timeout.has_value());
    ok = check_one_lock_table(mount, s) && ok;
    if (mount.checking_only() || !ok) {
        // check-config, or a configuration already refused: nothing is opened (opening
        // creates what is missing), but the store is still checked, to report every problem.
        if (auto checked = check_webdav_settings(s, mount.base_dir()); !checked) {
            mount.error(checked.error().setting, checked.error().message);
            return nullptr;
        }
        return ok ? std::make_shared<CheckedShare>() : nullptr;
    }
    auto handler = make_webdav_handler(std::move(s), mount.base_dir());
    if (!handler) {
        mount.error(handler.error().setting, handler.error().message);
        return nullptr;
    }
    return *handler;
}

} // namespace quire::handlers
