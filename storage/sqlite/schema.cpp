#include "schema.hpp"

#include <array>
#include <chrono>
#include <string>

#include "../common.hpp"

namespace quire::storage::sqlite {

namespace {

// Migration i takes user_version i to i + 1. Never edit a released entry: append a new one.
constexpr std::array<const char*, schema_version> migrations = {
    R"sql(
CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE resources(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    parent TEXT,
    collection INTEGER NOT NULL,
    etag TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    created_ns INTEGER NOT NULL,
    modified_ns INTEGER NOT NULL);
CREATE INDEX resources_by_parent ON resources(parent, path);
CREATE TABLE body_chunks(
    id INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    chunk INTEGER NOT NULL,
    data BLOB NOT NULL,
    UNIQUE(resource_id, chunk));
CREATE TABLE props(
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    ns TEXT NOT NULL,
    name TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY(resource_id, ns, name)) WITHOUT ROWID;
CREATE TABLE changes(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    kind INTEGER NOT NULL);
)sql",
};

} // namespace

Result<void> configure_connection(Db& db, bool durable) {
    // secure_delete=FAST: freed pages are not written over with zeros (Debian's SQLite does
    // that by default), so a DELETE on a full disk does not need as much room in the WAL as
    // the content it deletes.
    return db.exec(
        durable ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA secure_delete=FAST;"
                : "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA "
                  "secure_delete=FAST;");
}

Result<void> check_schema(Db& db) {
    return check_user_version(db, schema_version, "database");
}

Result<void> migrate(Db& db) {
    auto wal = db.exec("PRAGMA journal_mode=WAL");
    if (!wal)
        return wal;
    for (;;) {
        auto tx = Transaction::begin(db, Transaction::Kind::write);
        if (!tx)
            return tl::unexpected(tx.error());
        auto stmt = db.prepare("PRAGMA user_version");
        if (!stmt)
            return tl::unexpected(stmt.error());
        auto row = stmt->step();
        if (!row)
            return tl::unexpected(row.error());
        auto version = static_cast<int>(stmt->integer(0));
        stmt = Stmt();
        if (version > schema_version)
            return fail(Errc::io, "database schema " + std::to_string(version) +
                                      " is newer than this Quire (" +
                                      std::to_string(schema_version) + ")");
        if (version == schema_version)
            return tx->commit();
        if (auto ok = db.exec(migrations[static_cast<std::size_t>(version)]); !ok)
            return ok;
        if (version == 0) {
            // The store id makes tokens of another database invalid here (RFC 6578 3.2).
            auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
            if (auto ok = db.run("INSERT INTO store_meta VALUES('store_id', ?)", new_store_id());
                !ok)
                return ok;
            if (auto ok = db.run("INSERT INTO resources(path, parent, collection, etag, "
                                 "created_ns, modified_ns) VALUES('/', NULL, 1, 'c0', ?, ?)",
                                 std::int64_t{now}, std::int64_t{now});
                !ok)
                return ok;
        }
        if (auto ok = db.exec("PRAGMA user_version=" + std::to_string(version + 1)); !ok)
            return ok;
        if (auto ok = tx->commit(); !ok)
            return ok;
    }
}

} // namespace quire::storage::sqlite
