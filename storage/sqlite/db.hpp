// Thin RAII layer over the SQLite C API, shared by the sqlite backend and the fs backend's
// metadata database.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include "../error.hpp"

namespace quire::storage::sqlite {

// Maps a SQLite result code to a typed error (SQLITE_FULL -> insufficient_storage ...).
Error db_error(sqlite3* db, int rc, std::string_view what);

// What SQLite's length() and substr() count in a TEXT value: characters (UTF-8 sequences),
// not bytes. A path's prefix is cut off with substr(path, text_length(prefix) + 1).
inline std::int64_t text_length(std::string_view utf8) {
    std::int64_t n = 0;
    for (unsigned char c : utf8)
        n += (c & 0xC0) != 0x80; // every byte but a continuation byte starts a character
    return n;
}

class Stmt {
public:
    Stmt() = default;
    // cached: the statement belongs to the connection's cache and is only reset when done.
    Stmt(sqlite3* db, sqlite3_stmt* stmt, bool cached = false)
        : db_(db), stmt_(stmt), cached_(cached) {}
    Stmt(Stmt&& other) noexcept;
    Stmt& operator=(Stmt&& other) noexcept;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    // Binds by 1-based index; text is copied by SQLite (SQLITE_TRANSIENT).
    Stmt& bind(int index, std::string_view text);
    Stmt& bind(int index, std::int64_t value);
    Stmt& bind_blob(int index, std::string_view bytes);
    Stmt& bind_zeroblob(int index, std::int64_t size);
    Stmt& bind_null(int index);
    // Binds args to ?1, ?2... in order (text or integer).
    template <class... Args>
    Stmt& bind_all(const Args&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    // Steps once: true when a row is available, false when done.
    Result<bool> step();
    // Steps to completion (statements that return no rows).
    Result<void> run();
    // Steps through the rows, calling on_row(*this) on each, and returns the first step error.
    // An on_row returning bool stops early (without error) when it returns false.
    template <class F>
    Result<void> each_row(F&& on_row) {
        for (;;) {
            auto row = step();
            if (!row)
                return tl::unexpected(row.error());
            if (!*row)
                return {};
            if constexpr (std::is_same_v<std::invoke_result_t<F&, const Stmt&>, bool>) {
                if (!on_row(std::as_const(*this)))
                    return {};
            } else {
                on_row(std::as_const(*this));
            }
        }
    }
    void reset();

    std::string text(int column) const;
    std::string blob(int column) const;
    std::int64_t integer(int column) const;
    bool is_null(int column) const;

private:
    void release();

    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    bool cached_ = false;
};

// How a database file is opened: for reading and writing (created when missing), or for
// reading only from a SQLite URI (read_only_uri), which writes nothing.
enum class OpenMode { read_write, read_only };

// A URI that reads the existing WAL database `file` without changing it: `mode=ro`, with
// which SQLite may make its -wal and -shm files beside it (shared memory, no data) on a
// writable file system, and so follows a writer of the database opened before or after it;
// on a read-only file system, where it cannot make them, `immutable=1` when `mode=ro` cannot
// read (nothing can write there: the file is read as it is). not_found when there is no such
// file. (immutable=1 on a writable file system would be wrong: a writer that opened later
// would change the file under a reader that trusts it never changes.)
Result<std::string> read_only_uri(const std::string& file);

class Db;
// For a read-only open, which cannot migrate: fine when the database's user_version is
// `expected`; else an io error naming `what` ("metadata", "database") and what to do.
Result<void> check_user_version(Db& db, std::int64_t expected, std::string_view what);

class Db {
public:
    static Result<Db> open(const std::string& file, OpenMode mode = OpenMode::read_write);
    Db(Db&& other) noexcept;
    Db& operator=(Db&& other) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    sqlite3* get() const { return db_; }
    Result<void> exec(std::string_view sql);
    Result<Stmt> prepare(std::string_view sql);
    // A statement prepared once per connection and reused (hot read paths). Only one use of
    // the same SQL may be active at a time on a connection.
    Result<Stmt> prepare_cached(std::string_view sql);
    // One statement without results (BEGIN, COMMIT...), prepared once per connection.
    Result<void> exec_cached(std::string_view sql);
    // Prepares sql (run) or takes it from the cache (run_cached), binds args to ?1, ?2...
    // (text or integer) and steps it to completion.
    template <class... Args>
    Result<void> run(std::string_view sql, const Args&... args) {
        return run_with(prepare(sql), args...);
    }
    template <class... Args>
    Result<void> run_cached(std::string_view sql, const Args&... args) {
        return run_with(prepare_cached(sql), args...);
    }
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }

private:
    explicit Db(sqlite3* db) : db_(db) {}
    template <class... Args>
    static Result<void> run_with(Result<Stmt> s, const Args&... args) {
        if (!s)
            return tl::unexpected(s.error());
        return s->bind_all(args...).run();
    }
    void close();
    sqlite3* db_ = nullptr;
    std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// Rolls back unless committed; a writer opens it with BEGIN IMMEDIATE so the write lock is held
// from the precondition check to the commit.
class Transaction {
public:
    enum class Kind { read, write };
    static Result<Transaction> begin(Db& db, Kind kind);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    Result<void> commit();

private:
    explicit Transaction(Db* db) : db_(db) {}
    Db* db_ = nullptr;
};

// A pool of connections to one database file: SQLite connections are not shared between
// threads at once, so each call leases its own.
class Pool {
public:
    using Setup = std::function<Result<void>(Db&)>;
    Pool(std::string file, Setup setup, OpenMode mode = OpenMode::read_write)
        : file_(std::move(file)), setup_(std::move(setup)), mode_(mode) {}

    class Lease {
    public:
        Lease(Pool* pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();
        Db& operator*() const { return *db_; }
        Db* operator->() const { return db_.get(); }

    private:
        Pool* pool_;
        std::unique_ptr<Db> db_;
    };

    Result<Lease> acquire();

private:
    std::string file_;
    Setup setup_;
    OpenMode mode_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Db>> idle_;
};

} // namespace quire::storage::sqlite
