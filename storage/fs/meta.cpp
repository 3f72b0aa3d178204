#include "meta.hpp"

#include <charconv>

#include "../common.hpp"
#include "../path.hpp"

namespace quire::storage::fs::meta {

namespace {

constexpr int schema_version = 6;

// Migration i takes user_version i to i + 1; append, never edit a released one.
constexpr const char* migrations[schema_version] = {
    R"sql(
CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE props(
    path TEXT NOT NULL,
    parent TEXT NOT NULL,
    ns TEXT NOT NULL,
    name TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY(path, ns, name)) WITHOUT ROWID;
CREATE INDEX props_by_parent ON props(parent);
CREATE TABLE changes(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    kind INTEGER NOT NULL);
CREATE TABLE intents(
    id INTEGER PRIMARY KEY,
    op TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    staging TEXT NOT NULL);
)sql",
    // Intent ids are never reused: a writer drops the rows of its finished operations lazily,
    // by id, and must not drop a newer row of another process that got the same id.
    R"sql(
CREATE TABLE intents_v2(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    staging TEXT NOT NULL);
INSERT INTO intents_v2 SELECT id, op, src, dst, staging FROM intents;
DROP TABLE intents;
ALTER TABLE intents_v2 RENAME TO intents;
)sql",
    // "move1" intents: the inode of the moved file and the last change the move logged.
    R"sql(
ALTER TABLE intents ADD COLUMN inode INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intents ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
)sql",
    // "put" intents (which keep the new body's inode in `inode`): the media type the path had
    // before (NULL: none), put back when the new body never reached its name, and the etag of
    // the file it replaces ('': none), which tells that case from a later replacement.
    R"sql(
ALTER TABLE intents ADD COLUMN prior BLOB;
ALTER TABLE intents ADD COLUMN prior_etag TEXT NOT NULL DEFAULT '';
)sql",
    // No new table: the quick journal (.quire/journal, journal.hpp) holds changes and
    // properties that are not in this database yet, which a binary without it would never
    // read; the version makes such binaries refuse the folder instead.
    R"sql(
INSERT OR IGNORE INTO store_meta VALUES('journal', '.quire/journal, folded by schema 5 and later');
)sql",
    // No new table: the writer lock is a mutex in .quire/lock (folder_lock.hpp), which a
    // binary that takes a flock for each write would not respect; it refuses the folder now.
    R"sql(
INSERT OR IGNORE INTO store_meta VALUES('writer_lock', 'a robust mutex in .quire/lock, schema 6');
)sql",
};

// One range of the primary key (the path and what sorts up to ?1 || '0'), filtered to the path
// and its descendants ('/' is the byte before '0'). Spelt as "path = ?1 OR (range)", SQLite
// ran it as a MULTI-INDEX OR with an ephemeral table: 30,000 instructions per statement.
constexpr const char* subtree_where =
    "(path >= ?1 AND path < ?1 || '0' AND (path = ?1 OR substr(path, length(?1) + 1, 1) = '/'))";

} // namespace

Result<void> configure(Db& db, bool durable) {
    if (auto ok = db.exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); !ok)
        return ok;
    // A write touches the same few pages (the change log's last page, the journal, props):
    // checkpointing every 10,000 WAL frames instead of 1,000 copies each hot page back ten
    // times less often. The WAL stays under ~40 MiB.
    return db.exec("PRAGMA wal_autocheckpoint=10000");
}

Result<void> migrate(Db& db) {
    // A new database gets 1 KiB pages: its rows are small, and a commit writes (and
    // checksums) each page it changed, a quarter of the bytes of the default 4 KiB (a MOVE's
    // transaction measured 20% faster). Ignored for a database that has pages already.
    if (auto ok = db.exec("PRAGMA page_size=1024"); !ok)
        return ok;
    if (auto ok = db.exec("PRAGMA journal_mode=WAL"); !ok)
        return ok;
    for (;;) {
        auto tx = sqlite::Transaction::begin(db, sqlite::Transaction::Kind::write);
        if (!tx)
            return tl::unexpected(tx.error());
        auto s = db.prepare("PRAGMA user_version");
        if (!s)
            return tl::unexpected(s.error());
        if (auto r = s->step(); !r)
            return tl::unexpected(r.error());
        int version = static_cast<int>(s->integer(0));
        s = sqlite::Stmt();
        if (version > schema_version)
            return fail(Errc::io, "metadata schema is newer than this Quire");
        if (version == schema_version)
            return tx->commit();
        if (auto ok = db.exec(migrations[version]); !ok)
            return ok;
        if (version == 0)
            if (auto ok =
                    db.run_cached("INSERT INTO store_meta VALUES('store_id', ?)", new_store_id());
                !ok)
                return ok;
        if (auto ok = db.exec("PRAGMA user_version=" + std::to_string(version + 1)); !ok)
            return ok;
        if (auto ok = tx->commit(); !ok)
            return ok;
    }
}

Result<void> check_schema(Db& db) {
    return sqlite::check_user_version(db, schema_version, "metadata");
}

namespace {

Result<std::optional<std::string>> store_meta_value(Db& db, const char* key) {
    auto s = db.prepare_cached("SELECT value FROM store_meta WHERE key = ?");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, std::string_view(key));
    auto r = s->step();
    if (!r)
        return tl::unexpected(r.error());
    if (!*r)
        return std::optional<std::string>();
    return std::optional<std::string>(s->text(0));
}

} // namespace

Result<std::string> store_id(Db& db) {
    auto id = store_meta_value(db, "store_id");
    if (!id)
        return tl::unexpected(id.error());
    if (!*id)
        return fail(Errc::io, "store id missing");
    return **id;
}

Result<std::optional<std::uint32_t>> folded_epoch(Db& db) {
    auto stored = store_meta_value(db, "journal_epoch");
    if (!stored)
        return tl::unexpected(stored.error());
    if (!*stored)
        return std::optional<std::uint32_t>();
    const std::string& value = **stored;
    std::uint32_t epoch = 0;
    auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), epoch);
    if (err != std::errc() || end != value.data() + value.size())
        return fail(Errc::io, "meta.db: journal_epoch is not a number: " + value);
    return std::optional<std::uint32_t>(epoch);
}

Result<void> set_folded_epoch(Db& db, std::uint32_t epoch) {
    return db.run_cached("INSERT OR REPLACE INTO store_meta VALUES('journal_epoch', ?)",
                         std::to_string(epoch));
}

Result<std::int64_t> current_seq(Db& db) {
    auto s = db.prepare_cached("SELECT coalesce(max(seq), 0) FROM changes");
    if (!s)
        return tl::unexpected(s.error());
    if (auto r = s->step(); !r)
        return tl::unexpected(r.error());
    return s->integer(0);
}

Result<void> log(Db& db, const std::string& path, ChangeKind kind, bool collection) {
    return db.run_cached("INSERT INTO changes(path, kind) VALUES(?, ?)", path,
                         stored_kind(kind, collection));
}

Result<void> log_all(Db& db, std::span<const Change> changes) {
    constexpr std::size_t rows = 64;
    for (std::size_t at = 0; at < changes.size(); at += rows) {
        const auto batch = changes.subspan(at, std::min(rows, changes.size() - at));
        std::string sql = "INSERT INTO changes(path, kind) VALUES (?, ?)";
        for (std::size_t i = 1; i < batch.size(); ++i)
            sql += ", (?, ?)";
        auto s = db.prepare_cached(sql); // a full batch is always the same statement
        if (!s)
            return tl::unexpected(s.error());
        int index = 1;
        for (const auto& change : batch) {
            s->bind(index++, change.path);
            s->bind(index++, stored_kind(change.kind, change.collection));
        }
        if (auto ok = s->run(); !ok)
            return ok;
    }
    return {};
}

Result<std::vector<Change>> log_since(Db& db, std::int64_t since, std::int64_t upto,
                                      const std::string& collection) {
    auto s = db.prepare_cached("SELECT path, kind FROM changes WHERE seq > ? AND seq <= ? AND "
                               "(path > ?3 || '/' AND path < ?3 || '0' OR ?3 = '/') ORDER BY seq");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, since).bind(2, upto).bind(3, collection);
    std::vector<Change> out;
    auto ok = s->each_row([&](const sqlite::Stmt& row) {
        std::string p = row.text(0);
        if (p != collection)
            out.push_back(change_from_row(std::move(p), row.integer(1)));
    });
    if (!ok)
        return tl::unexpected(ok.error());
    return out;
}

Result<bool> changed_between(Db& db, std::int64_t since, std::int64_t upto,
                             const std::string& path) {
    auto s =
        db.prepare_cached(std::string("SELECT 1 FROM changes WHERE seq > ?2 AND seq <= ?3 AND ") +
                          subtree_where + " LIMIT 1");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, path).bind(2, since).bind(3, upto);
    auto r = s->step();
    if (!r)
        return tl::unexpected(r.error());
    return *r;
}

Result<std::vector<Property>> props_of(Db& db, const std::string& path) {
    auto s =
        db.prepare_cached("SELECT ns, name, value FROM props WHERE path = ? ORDER BY ns, name");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, path);
    std::vector<Property> out;
    auto ok = s->each_row([&](const sqlite::Stmt& row) {
        out.push_back({{row.text(0), row.text(1)}, row.blob(2)});
    });
    if (!ok)
        return tl::unexpected(ok.error());
    return out;
}

Result<std::map<std::string, std::vector<Property>>> props_of_members(Db& db,
                                                                      const std::string& parent) {
    auto s = db.prepare_cached("SELECT path, ns, name, value FROM props WHERE parent = ? ORDER BY "
                               "path, ns, name");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, parent);
    std::map<std::string, std::vector<Property>> out;
    auto ok = s->each_row([&](const sqlite::Stmt& row) {
        out[row.text(0)].push_back({{row.text(1), row.text(2)}, row.blob(3)});
    });
    if (!ok)
        return tl::unexpected(ok.error());
    return out;
}

Result<void> set_prop(Db& db, const std::string& path, const PropName& name,
                      const std::string& value) {
    auto s = db.prepare_cached("INSERT OR REPLACE INTO props VALUES(?, ?, ?, ?, ?)");
    if (!s)
        return tl::unexpected(s.error());
    return s->bind(1, path)
        .bind(2, parent_of(path))
        .bind(3, name.ns)
        .bind(4, name.name)
        .bind_blob(5, value)
        .run();
}

Result<void> remove_prop(Db& db, const std::string& path, const PropName& name) {
    return db.run_cached("DELETE FROM props WHERE path = ? AND ns = ? AND name = ?", path, name.ns,
                         name.name);
}

Result<void> drop_props(Db& db, const std::string& path) {
    return db.run_cached(std::string("DELETE FROM props WHERE ") + subtree_where, path);
}

namespace {

// A JSON string (RFC 8259 section 7) for json_each(): quote, backslash and control
// characters escaped, every other byte as it is.
void append_json_string(std::string& out, std::string_view text) {
    constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

} // namespace

Result<std::unordered_set<std::string>> with_props(Db& db,
                                                   std::span<const std::string_view> paths) {
    std::unordered_set<std::string> out;
    if (paths.empty())
        return out;
    std::string array = "[";
    for (const auto& path : paths) {
        if (array.size() > 1)
            array += ',';
        append_json_string(array, path);
    }
    array += ']';
    // The subtree condition of subtree_where, with each path from the array.
    auto s = db.prepare_cached(
        "SELECT DISTINCT j.value FROM json_each(?1) AS j WHERE EXISTS (SELECT 1 FROM props WHERE "
        "path >= j.value AND path < j.value || '0' AND (path = j.value OR substr(path, "
        "length(j.value) + 1, 1) = '/'))");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, array);
    auto ok = s->each_row([&](const sqlite::Stmt& row) { out.insert(row.text(0)); });
    if (!ok)
        return tl::unexpected(ok.error());
    return out;
}

namespace {

// Whether `path` or anything below it has a property (the statement is reset on return).
Result<bool> has_props_within(Db& db, const std::string& path) {
    auto s =
        db.prepare_cached(std::string("SELECT 1 FROM props WHERE ") + subtree_where + " LIMIT 1");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, path);
    return s->step();
}

} // namespace

Result<void> move_props(Db& db, const std::string& from, const std::string& to) {
    if (auto ok = drop_props(db, to); !ok)
        return ok;
    // Most moved resources have no properties; an UPDATE of the primary key costs an
    // ephemeral table (about 30,000 instructions) even when it changes no row.
    auto any = has_props_within(db, from);
    if (!any)
        return tl::unexpected(any.error());
    if (!*any)
        return {};
    return db.run_cached(std::string("UPDATE props SET path = ?2 || substr(path, ?3 + 1), parent "
                                     "= CASE WHEN path = ?1 THEN ?4 ELSE ?2 || substr(parent, ?3 "
                                     "+ 1) END WHERE ") +
                             subtree_where,
                         from, to, sqlite::text_length(from), parent_of(to));
}

Result<void> copy_props(Db& db, const std::string& from, const std::string& to, bool subtree) {
    if (auto ok = drop_props(db, to); !ok)
        return ok;
    return db.run_cached(std::string("INSERT INTO props SELECT ?2 || substr(path, ?3 + 1), CASE "
                                     "WHEN path = ?1 THEN ?4 ELSE ?2 || substr(parent, ?3 + 1) "
                                     "END, ns, name, value FROM props WHERE ") +
                             (subtree ? subtree_where : "path = ?1"),
                         from, to, sqlite::text_length(from), parent_of(to));
}

Result<std::int64_t> add_intent(Db& db, const Intent& intent) {
    auto ok = db.run_cached("INSERT INTO intents(op, src, dst, staging, inode, seq) VALUES(?, ?, "
                            "?, ?, ?, ?)",
                            intent.op, intent.from, intent.to, intent.staging,
                            static_cast<std::int64_t>(intent.inode), intent.seq);
    if (!ok)
        return tl::unexpected(ok.error());
    return db.last_insert_rowid();
}

Result<std::int64_t> add_put_intent(Db& db, const Intent& intent, const PropName& type_prop) {
    // The prior value is read by the INSERT itself: no statement more than a plain intent.
    auto ok = db.run_cached(
        "INSERT INTO intents(op, src, dst, staging, inode, seq, prior_etag, prior) VALUES(?1, "
        "?2, ?3, ?4, ?5, ?6, ?7, (SELECT value FROM props WHERE path = ?2 AND ns = ?8 AND name "
        "= ?9))",
        intent.op, intent.from, intent.to, intent.staging, static_cast<std::int64_t>(intent.inode),
        intent.seq, intent.prior_etag, type_prop.ns, type_prop.name);
    if (!ok)
        return tl::unexpected(ok.error());
    return db.last_insert_rowid();
}

Result<void> drop_intent(Db& db, std::int64_t id) {
    return db.run_cached("DELETE FROM intents WHERE id = ?", id);
}

Result<std::vector<Intent>> intents(Db& db) {
    auto s = db.prepare_cached("SELECT id, op, src, dst, staging, inode, seq, prior, prior_etag "
                               "FROM intents ORDER BY id");
    if (!s)
        return tl::unexpected(s.error());
    std::vector<Intent> out;
    auto ok = s->each_row([&](const sqlite::Stmt& row) {
        out.push_back({row.integer(0), row.text(1), row.text(2), row.text(3), row.text(4),
                       static_cast<std::uint64_t>(row.integer(5)), row.integer(6),
                       row.is_null(7) ? std::nullopt : std::optional(row.blob(7)), row.text(8)});
    });
    if (!ok)
        return tl::unexpected(ok.error());
    return out;
}

} // namespace quire::storage::fs::meta
