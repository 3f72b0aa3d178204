#include "sqlite_lock_store.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <cerrno>

#include "storage/shared_counter.hpp"

namespace quire::dav {

namespace {

using Clock = std::chrono::system_clock;

// Past this a timeout would overflow the clock's nanoseconds; nobody needs a longer lock.
constexpr std::chrono::seconds max_timeout{100LL * 365 * 24 * 3600};

// Writers from other connections (other processes on the same file) queue this long.
constexpr int busy_timeout_ms = 10000;

constexpr std::string_view schema = R"sql(
CREATE TABLE IF NOT EXISTS dav_locks (
    token     TEXT PRIMARY KEY NOT NULL,
    root      TEXT NOT NULL,
    scope     INTEGER NOT NULL,   -- 0 exclusive, 1 shared
    infinite  INTEGER NOT NULL,   -- Depth: infinity
    owner_xml TEXT NOT NULL,
    principal TEXT NOT NULL,
    expires   INTEGER NOT NULL,   -- epoch seconds
    timeout   INTEGER NOT NULL    -- seconds, as granted
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dav_locks_root ON dav_locks(root);
)sql";

constexpr std::string_view columns =
    "token, root, scope, infinite, owner_xml, principal, expires, timeout";

struct DbClose {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalize {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

tl::unexpected<LockError> io_error(sqlite3* db, int rc, std::string_view what) {
    std::string message = "lock store: " + std::string(what) + ": " + sqlite3_errstr(rc);
    if (db && sqlite3_errcode(db) != SQLITE_OK) {
        message += std::string(" (") + sqlite3_errmsg(db) + ")";
    }
    const int primary = rc & 0xff;
    const bool full = primary == SQLITE_FULL ||
                      (db && (sqlite3_errcode(db) & 0xff) == SQLITE_FULL) ||
                      (primary == SQLITE_IOERR && errno == ENOSPC);
    return tl::unexpected(LockError{full ? LockErrc::full : LockErrc::io, std::move(message), {}});
}

LockResult<void> exec(sqlite3* db, std::string_view sql) {
    const std::string owned(sql);
    const int rc = sqlite3_exec(db, owned.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        return io_error(db, rc, owned);
    }
    return {};
}

// One use of a cached statement: binds, steps, and resets it (bindings and read lock
// released) when it goes out of scope.
class Query {
public:
    Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    ~Query() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    Query& bind(int index, std::string_view text) {
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        return *this;
    }
    Query& bind(int index, std::int64_t value) {
        sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }

    // true when a row is available.
    LockResult<bool> step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        return io_error(db_, rc, sqlite3_sql(stmt_));
    }

    LockResult<void> run() {
        for (;;) {
            auto row = step();
            if (!row) {
                return tl::unexpected(std::move(row.error()));
            }
            if (!*row) {
                return {};
            }
        }
    }

    std::string text(int column) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

    Lock lock() const {
        Lock lock;
        lock.token = text(0);
        lock.root = text(1);
        lock.scope = integer(2) == 1 ? LockScope::shared : LockScope::exclusive;
        lock.infinite = integer(3) != 0;
        lock.owner_xml = text(4);
        lock.principal = text(5);
        lock.expires = Clock::time_point(std::chrono::seconds(integer(6)));
        lock.timeout = std::chrono::seconds(integer(7));
        return lock;
    }

    // Every remaining row as a Lock.
    LockResult<std::vector<Lock>> locks() {
        std::vector<Lock> out;
        for (;;) {
            auto row = step();
            if (!row) {
                return tl::unexpected(std::move(row.error()));
            }
            if (!*row) {
                return out;
            }
            out.push_back(lock());
        }
    }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

// Rolls back unless committed. Writers use BEGIN IMMEDIATE so the write lock is held from the
// conflict check to the insert, also against other processes on the same file.
class Transaction {
public:
    static LockResult<Transaction> begin(sqlite3* db, bool write) {
        auto ok = exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN");
        if (!ok) {
            return tl::unexpected(std::move(ok.error()));
        }
        return Transaction(db);
    }
    Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
        if (db_) {
            (void)exec(db_, "ROLLBACK");
        }
    }
    LockResult<void> commit() {
        auto ok = exec(db_, "COMMIT");
        if (ok) {
            db_ = nullptr;
        }
        return ok;
    }

private:
    explicit Transaction(sqlite3* db) : db_(db) {}
    sqlite3* db_;
};

std::int64_t epoch_seconds(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::chrono::seconds clamp_timeout(std::chrono::seconds timeout) {
    return std::clamp(timeout, std::chrono::seconds(1), max_timeout);
}

// "/a/b" -> "/", "/a", "/a/b".
std::vector<std::string> self_and_ancestors(const std::string& path) {
    std::vector<std::string> out{"/"};
    for (std::size_t i = 1; i < path.size(); ++i) {
        if (path[i] == '/') {
            out.push_back(path.substr(0, i));
        }
    }
    if (path != "/") {
        out.push_back(path);
    }
    return out;
}

// The open range (low, high) of roots strictly below path in SQLite's binary order: every
// "path/..." sorts after "path/" and before "path0" ('0' follows '/').
std::pair<std::string, std::string> below(const std::string& path) {
    std::string low = path == "/" ? "/" : path + "/";
    std::string high = low;
    high.back() = '/' + 1;
    return {std::move(low), std::move(high)};
}

bool conflicts(LockScope a, LockScope b) {
    return a == LockScope::exclusive || b == LockScope::exclusive;
}

const char* scope_name(LockScope scope) {
    return scope == LockScope::exclusive ? "exclusive" : "shared";
}

// Bumps the shared change counter when a write method returns, committed or not.
class Bump {
public:
    explicit Bump(storage::SharedCounter& counter) : counter_(counter) {}
    Bump(const Bump&) = delete;
    Bump& operator=(const Bump&) = delete;
    ~Bump() { counter_.bump(); }

private:
    storage::SharedCounter& counter_;
};

class SqliteLockStore final : public LockStore {
public:
    struct Statements {
        StmtPtr by_token, by_root, in_range, insert, update_expiry, delete_token, delete_range,
            purge, any;
    };

    // changes: the counter every process's writes to this table bump (see any()).
    SqliteLockStore(DbPtr db, Statements statements, std::function<Clock::time_point()> now,
                    std::unique_ptr<storage::SharedCounter> changes)
        : db_(std::move(db)), st_(std::move(statements)), now_(std::move(now)),
          changes_(std::move(changes)) {}

    LockResult<Lock> create(const LockRequest& request) override {
        auto token = new_lock_token();
        if (!token) {
            return tl::unexpected(std::move(token.error()));
        }
        Lock lock;
        lock.token = std::move(*token);
        lock.root = normalize_lock_path(request.root);
        lock.scope = request.scope;
        lock.infinite = request.infinite;
        lock.owner_xml = request.owner_xml;
        lock.principal = request.principal;
        lock.timeout = clamp_timeout(request.timeout);

        return in_transaction(true, [&](std::int64_t now) -> LockResult<Lock> {
            lock.expires = Clock::time_point(std::chrono::seconds(now + lock.timeout.count()));
            if (auto ok = purge(now); !ok) {
                return tl::unexpected(std::move(ok.error()));
            }
            // RFC 4918 7 and 9.10: the same root and depth-infinity locks on ancestors...
            for (const auto& path : self_and_ancestors(lock.root)) {
                auto found = by_root(path, now);
                if (!found) {
                    return tl::unexpected(std::move(found.error()));
                }
                for (const auto& other : *found) {
                    if ((other.root == lock.root || other.infinite) &&
                        conflicts(lock.scope, other.scope)) {
                        return conflict(lock, other);
                    }
                }
            }
            // ...and, for a depth-infinity request, any lock below.
            if (lock.infinite) {
                auto found = strictly_below(lock.root, now);
                if (!found) {
                    return tl::unexpected(std::move(found.error()));
                }
                for (const auto& other : *found) {
                    if (conflicts(lock.scope, other.scope)) {
                        return conflict(lock, other);
                    }
                }
            }
            {
                Query q(db_.get(), st_.insert.get());
                q.bind(1, lock.token)
                    .bind(2, lock.root)
                    .bind(3, std::int64_t{lock.scope == LockScope::shared ? 1 : 0})
                    .bind(4, std::int64_t{lock.infinite ? 1 : 0})
                    .bind(5, lock.owner_xml)
                    .bind(6, lock.principal)
                    .bind(7, epoch_seconds(lock.expires))
                    .bind(8, static_cast<std::int64_t>(lock.timeout.count()));
                if (auto ok = q.run(); !ok) {
                    return tl::unexpected(std::move(ok.error()));
                }
            }
            return std::move(lock);
        });
    }

    LockResult<Lock> refresh(std::string_view token, std::string_view path,
                             std::chrono::seconds timeout) override {
        const std::string normal = normalize_lock_path(path);
        return in_transaction(true, [&](std::int64_t now) -> LockResult<Lock> {
            auto found = by_token(token, now);
            if (!found) {
                return tl::unexpected(std::move(found.error()));
            }
            if (!*found) {
                return not_found("no lock " + std::string(token));
            }
            Lock lock = std::move(**found);
            // RFC 4918 9.10.2: the refresh must name a resource the lock applies to.
            if (lock.root != normal && !(lock.infinite && is_same_or_ancestor(lock.root, normal))) {
                return not_found("lock " + lock.token + " does not cover " + normal);
            }
            lock.timeout = clamp_timeout(timeout);
            lock.expires = Clock::time_point(std::chrono::seconds(now + lock.timeout.count()));
            {
                Query q(db_.get(), st_.update_expiry.get());
                q.bind(1, lock.token)
                    .bind(2, epoch_seconds(lock.expires))
                    .bind(3, static_cast<std::int64_t>(lock.timeout.count()));
                if (auto ok = q.run(); !ok) {
                    return tl::unexpected(std::move(ok.error()));
                }
            }
            return lock;
        });
    }

    LockResult<void> remove(std::string_view token) override {
        return in_transaction(true, [&](std::int64_t now) -> LockResult<void> {
            if (auto ok = purge(now); !ok) {
                return ok;
            }
            {
                Query q(db_.get(), st_.delete_token.get());
                q.bind(1, token);
                if (auto ok = q.run(); !ok) {
                    return ok;
                }
            }
            if (sqlite3_changes(db_.get()) == 0) {
                return not_found("no lock " + std::string(token));
            }
            return {};
        });
    }

    LockResult<std::optional<Lock>> find(std::string_view token) override {
        std::lock_guard guard(mutex_);
        return by_token(token, epoch_seconds(now_()));
    }

    LockResult<std::vector<Lock>> covering(std::string_view path) override {
        const std::string normal = normalize_lock_path(path);
        return in_transaction(false, [&](std::int64_t now) -> LockResult<std::vector<Lock>> {
            std::vector<Lock> out;
            for (const auto& root : self_and_ancestors(normal)) {
                auto found = by_root(root, now);
                if (!found) {
                    return tl::unexpected(std::move(found.error()));
                }
                for (auto& lock : *found) {
                    if (lock.root == normal || lock.infinite) {
                        out.push_back(std::move(lock));
                    }
                }
            }
            return out;
        });
    }

    LockResult<std::vector<Lock>> within(std::string_view path) override {
        const std::string normal = normalize_lock_path(path);
        return in_transaction(false, [&](std::int64_t now) -> LockResult<std::vector<Lock>> {
            auto out = by_root(normal, now);
            if (!out) {
                return out;
            }
            auto rest = strictly_below(normal, now);
            if (!rest) {
                return rest;
            }
            out->insert(out->end(), std::make_move_iterator(rest->begin()),
                        std::make_move_iterator(rest->end()));
            return out;
        });
    }

    // Asked by nearly every request: "no locks at all" is remembered until a write to the
    // table (by any process) bumps the shared counter. Locks only disappear as time passes,
    // so only that answer can be kept.
    LockResult<bool> any() override {
        const std::uint64_t generation = changes_->load();
        if (changes_->enabled() && empty_at_.load(std::memory_order_acquire) == generation) {
            return false;
        }
        std::lock_guard guard(mutex_);
        Query q(db_.get(), st_.any.get());
        q.bind(1, epoch_seconds(now_()));
        auto row = q.step();
        if (!row) {
            return tl::unexpected(std::move(row.error()));
        }
        const bool found = *row && q.integer(0) != 0;
        empty_at_.store(found ? not_empty : generation, std::memory_order_release);
        return found;
    }

    // No mutex: while writes went to the blocking pool, their any() held it often enough that
    // a try-lock here failed, and each failure sent one more write to the pool (seen as every
    // PUT overwrite taking the pool's way under load). The generation was read before the
    // query that set empty_at_, and writers bump it after committing, so a lock granted since
    // makes the two differ.
    bool known_unlocked() override {
        return changes_->enabled() && empty_at_.load(std::memory_order_acquire) == changes_->load();
    }

    LockResult<void> remove_within(std::string_view path) override {
        const std::string normal = normalize_lock_path(path);
        const auto [low, high] = below(normal);
        std::lock_guard guard(mutex_);
        const Bump bump(*changes_); // after the commit or rollback below
        Query q(db_.get(), st_.delete_range.get());
        q.bind(1, normal).bind(2, low).bind(3, high);
        return q.run(); // one statement: its own transaction
    }

private:
    static tl::unexpected<LockError> not_found(std::string message) {
        return tl::unexpected(LockError{LockErrc::not_found, std::move(message), {}});
    }

    static tl::unexpected<LockError> conflict(const Lock& wanted, const Lock& other) {
        std::string message = "a " + std::string(scope_name(wanted.scope)) + " lock on " +
                              wanted.root + " conflicts with the " + scope_name(other.scope) +
                              (other.infinite ? " depth-infinity" : " depth-0") + " lock on " +
                              other.root;
        return tl::unexpected(LockError{LockErrc::conflict, std::move(message), other.root});
    }

    // Runs body(now) in a transaction under the connection's mutex and commits when it
    // succeeds. A writer (BEGIN IMMEDIATE) bumps the shared counter after the commit or
    // rollback, still under the mutex.
    template <class F>
    std::invoke_result_t<F&, std::int64_t> in_transaction(bool write, F&& body) {
        std::lock_guard guard(mutex_);
        std::optional<Bump> bump;
        if (write) {
            bump.emplace(*changes_);
        }
        const std::int64_t now = epoch_seconds(now_());
        auto txn = Transaction::begin(db_.get(), write);
        if (!txn) {
            return tl::unexpected(std::move(txn.error()));
        }
        auto out = body(now);
        if (!out) {
            return out;
        }
        if (auto ok = txn->commit(); !ok) {
            return tl::unexpected(std::move(ok.error()));
        }
        return out;
    }

    LockResult<void> purge(std::int64_t now) {
        Query q(db_.get(), st_.purge.get());
        q.bind(1, now);
        return q.run();
    }

    LockResult<std::optional<Lock>> by_token(std::string_view token, std::int64_t now) {
        Query q(db_.get(), st_.by_token.get());
        q.bind(1, token).bind(2, now);
        auto row = q.step();
        if (!row) {
            return tl::unexpected(std::move(row.error()));
        }
        if (!*row) {
            return std::optional<Lock>{};
        }
        return std::optional<Lock>(q.lock());
    }

    LockResult<std::vector<Lock>> by_root(const std::string& root, std::int64_t now) {
        Query q(db_.get(), st_.by_root.get());
        q.bind(1, root).bind(2, now);
        return q.locks();
    }

    LockResult<std::vector<Lock>> strictly_below(const std::string& path, std::int64_t now) {
        const auto [low, high] = below(path);
        Query q(db_.get(), st_.in_range.get());
        q.bind(1, low).bind(2, high).bind(3, now);
        return q.locks();
    }

    DbPtr db_;
    Statements st_;
    std::function<Clock::time_point()> now_;
    std::unique_ptr<storage::SharedCounter> changes_;
    // The counter when any() last found no lock; not_empty when it found one (or never ran).
    static constexpr std::uint64_t not_empty = ~std::uint64_t{0};
    std::atomic<std::uint64_t> empty_at_{not_empty};
    std::mutex mutex_; // one connection, one caller at a time
};

} // namespace

LockResult<std::unique_ptr<LockStore>>
open_sqlite_lock_store(const std::string& file, std::function<Clock::time_point()> now,
                       bool durable) {
    if (!now) {
        now = Clock::now;
    }
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(file.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbPtr db(raw); // owns the handle even when opening failed
    if (rc != SQLITE_OK) {
        return io_error(raw, rc, "open " + file);
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
    for (std::string_view sql :
         {std::string_view("PRAGMA journal_mode=WAL"),
          std::string_view(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"),
          schema}) {
        if (auto ok = exec(raw, sql); !ok) {
            return tl::unexpected(std::move(ok.error()));
        }
    }

    auto prepare = [&](const std::string& sql, StmtPtr& out) -> LockResult<void> {
        sqlite3_stmt* stmt = nullptr;
        const int prc = sqlite3_prepare_v3(raw, sql.c_str(), static_cast<int>(sql.size()),
                                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        out.reset(stmt);
        if (prc != SQLITE_OK) {
            return io_error(raw, prc, "prepare " + sql);
        }
        return {};
    };
    const std::string select = "SELECT " + std::string(columns) + " FROM dav_locks ";
    SqliteLockStore::Statements st;
    const std::pair<std::string, StmtPtr*> statements[] = {
        {select + "WHERE token = ?1 AND expires > ?2", &st.by_token},
        {select + "WHERE root = ?1 AND expires > ?2 ORDER BY token", &st.by_root},
        {select + "WHERE root > ?1 AND root < ?2 AND expires > ?3 ORDER BY root, token",
         &st.in_range},
        {"INSERT INTO dav_locks (" + std::string(columns) +
             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
         &st.insert},
        {"UPDATE dav_locks SET expires = ?2, timeout = ?3 WHERE token = ?1", &st.update_expiry},
        {"DELETE FROM dav_locks WHERE token = ?1", &st.delete_token},
        {"DELETE FROM dav_locks WHERE root = ?1 OR (root > ?2 AND root < ?3)", &st.delete_range},
        {"DELETE FROM dav_locks WHERE expires <= ?1", &st.purge},
        {"SELECT EXISTS (SELECT 1 FROM dav_locks WHERE expires > ?1)", &st.any},
    };
    for (const auto& [sql, out] : statements) {
        if (auto ok = prepare(sql, *out); !ok) {
            return tl::unexpected(std::move(ok.error()));
        }
    }
    // A private in-memory table has no file beside it, and no other process to hear from.
    auto changes = file == ":memory:" ? std::make_unique<storage::SharedCounter>(-1)
                                      : std::make_unique<storage::SharedCounter>(file + "-changes");
    return std::make_unique<SqliteLockStore>(std::move(db), std::move(st), std::move(now),
                                             std::move(changes));
}

} // namespace quire::dav
