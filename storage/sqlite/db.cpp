#include "db.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <utility>

namespace quire::storage::sqlite {

Error db_error(sqlite3* db, int rc, std::string_view what) {
    std::string message = std::string(what) + ": " + sqlite3_errstr(rc);
    if (db && sqlite3_errmsg(db))
        message += std::string(" (") + sqlite3_errmsg(db) + ")";
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return {Errc::insufficient_storage, std::move(message)};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return {Errc::locked, std::move(message)};
    case SQLITE_TOOBIG:
        return {Errc::insufficient_storage, std::move(message)};
    case SQLITE_CONSTRAINT:
        return {Errc::conflict, std::move(message)};
    default:
        return {Errc::io, std::move(message)};
    }
}

Stmt::Stmt(Stmt&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)),
      cached_(other.cached_) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
    if (this != &other) {
        release();
        db_ = std::exchange(other.db_, nullptr);
        stmt_ = std::exchange(other.stmt_, nullptr);
        cached_ = other.cached_;
    }
    return *this;
}

Stmt::~Stmt() {
    release();
}

void Stmt::release() {
    if (cached_ && stmt_) {
        // Back to the connection's cache, ready for the next use.
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    } else {
        sqlite3_finalize(stmt_);
    }
    stmt_ = nullptr;
}

Stmt& Stmt::bind(int index, std::string_view text) {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}

Stmt& Stmt::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Stmt& Stmt::bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    return *this;
}

Stmt& Stmt::bind_zeroblob(int index, std::int64_t size) {
    sqlite3_bind_zeroblob64(stmt_, index, static_cast<sqlite3_uint64>(size));
    return *this;
}

Stmt& Stmt::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Stmt::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    Error err = db_error(db_, rc, "step");
    sqlite3_reset(stmt_);
    return tl::unexpected(std::move(err));
}

Result<void> Stmt::run() {
    return each_row([](const Stmt&) {});
}

void Stmt::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::string Stmt::text(int column) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
}

std::string Stmt::blob(int column) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
}

std::int64_t Stmt::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

bool Stmt::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

namespace {

std::string uri_of(const std::string& file, std::string_view query) {
    std::string uri = "file:";
    static constexpr char hex[] = "0123456789ABCDEF";
    for (unsigned char c : file) {
        if (c == '%' || c == '?' || c == '#') {
            uri += '%';
            uri += hex[c >> 4];
            uri += hex[c & 15];
        } else {
            uri += static_cast<char>(c);
        }
    }
    uri += '?';
    uri += query;
    return uri;
}

bool exists(const std::string& file) {
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0;
}

bool on_read_only_file_system(const std::string& file) {
    struct statvfs vfs {};
    return ::statvfs(file.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

// Whether the URI opens and reads the schema.
bool readable(const std::string& uri) {
    auto db = Db::open(uri, OpenMode::read_only);
    return db && db->exec("SELECT count(*) FROM sqlite_master");
}

} // namespace

Result<std::string> read_only_uri(const std::string& file) {
    if (!exists(file))
        return fail(Errc::not_found, "open " + file + ": no such file");
    auto ro = uri_of(file, "mode=ro");
    if (!on_read_only_file_system(file) || readable(ro))
        return ro;
    return uri_of(file, "mode=ro&immutable=1");
}

Result<void> check_user_version(Db& db, std::int64_t expected, std::string_view what) {
    auto s = db.prepare("PRAGMA user_version");
    if (!s)
        return tl::unexpected(s.error());
    if (auto r = s->step(); !r)
        return tl::unexpected(r.error());
    const auto version = s->integer(0);
    const std::string name(what);
    if (version > expected)
        return fail(Errc::io, name + " schema is newer than this Quire");
    if (version < expected)
        return fail(Errc::io, name + " schema " + std::to_string(version) +
                                  " is older than this Quire's (or not Quire's): open it once "
                                  "for writing to bring it up to date");
    return {};
}

Result<Db> Db::open(const std::string& file, OpenMode mode) {
    sqlite3* raw = nullptr;
    const int flags = mode == OpenMode::read_only
                          ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    Db db(raw); // owns the handle even when opening failed
    if (rc != SQLITE_OK)
        return tl::unexpected(db_error(raw, rc, "open " + file));
    sqlite3_extended_result_codes(raw, 1);
    // Writers queue behind each other instead of failing at once; past this the caller gets
    // Errc::locked.
    sqlite3_busy_timeout(raw, 30000);
    return db;
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Db& Db::operator=(Db&& other) noexcept {
    if (this != &other) {
        close();
        db_ = std::exchange(other.db_, nullptr);
        cache_ = std::move(other.cache_);
    }
    return *this;
}

Db::~Db() {
    close();
}

void Db::close() {
    for (auto& [sql, stmt] : cache_) {
        sqlite3_finalize(stmt);
    }
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
}

Result<Stmt> Db::prepare_cached(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK)
            return tl::unexpected(db_error(db_, rc, "prepare " + std::string(sql)));
        it = cache_.emplace(std::string(sql), stmt).first;
    }
    return Stmt(db_, it->second, true);
}

Result<void> Db::exec_cached(std::string_view sql) {
    auto s = prepare_cached(sql);
    if (!s)
        return tl::unexpected(s.error());
    return s->run();
}

Result<void> Db::exec(std::string_view sql) {
    std::string owned(sql);
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &msg);
    sqlite3_free(msg);
    if (rc != SQLITE_OK)
        return tl::unexpected(db_error(db_, rc, "exec"));
    return {};
}

Result<Stmt> Db::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK)
        return tl::unexpected(db_error(db_, rc, "prepare " + std::string(sql)));
    return Stmt(db_, stmt);
}

Result<Transaction> Transaction::begin(Db& db, Kind kind) {
    auto ok = db.exec_cached(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!ok)
        return tl::unexpected(ok.error());
    return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
    if (db_)
        (void)db_->exec_cached("ROLLBACK");
}

Result<void> Transaction::commit() {
    auto ok = db_->exec_cached("COMMIT");
    if (!ok) {
        return ok; // the destructor rolls back
    }
    db_ = nullptr;
    return {};
}

Pool::Lease::~Lease() {
    if (db_) {
        std::lock_guard lock(pool_->mutex_);
        pool_->idle_.push_back(std::move(db_));
    }
}

Result<Pool::Lease> Pool::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto db = std::move(idle_.back());
            idle_.pop_back();
            return Lease(this, std::move(db));
        }
    }
    auto db = Db::open(file_, mode_);
    if (!db)
        return tl::unexpected(db.error());
    auto owned = std::make_unique<Db>(std::move(*db));
    if (setup_) {
        auto ok = setup_(*owned);
        if (!ok)
            return tl::unexpected(ok.error());
    }
    return Lease(this, std::move(owned));
}

} // namespace quire::storage::sqlite
