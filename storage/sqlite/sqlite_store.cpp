#include "sqlite_store.hpp"

#include <mutex>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common.hpp"
#include "../path.hpp"
#include "../read_cache.hpp"
#include "../shared_counter.hpp"
#include "../space_reserve.hpp"
#include "blob.hpp"
#include "schema.hpp"

namespace quire::storage::sqlite {

namespace {

// Bodies are stored in chunks: SQLite caps one value at SQLITE_MAX_LENGTH (1e9 bytes by
// default), below the 1 GiB a PUT may carry.
constexpr std::int64_t chunk_bytes = 16 * 1024 * 1024;
constexpr std::size_t copy_buffer = 256 * 1024;

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

Clock::time_point from_ns(std::int64_t ns) {
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

constexpr const char* row_columns =
    "id, path, collection, etag, size, content_type, created_ns, modified_ns";

struct Row {
    std::int64_t id = 0;
    Meta meta;
};

Row read_row(const Stmt& s) {
    Row r;
    r.id = s.integer(0);
    r.meta.path = s.text(1);
    r.meta.collection = s.integer(2) != 0;
    r.meta.etag = s.text(3);
    r.meta.size = static_cast<std::uint64_t>(s.integer(4));
    r.meta.content_type = s.text(5);
    r.meta.created = from_ns(s.integer(6));
    r.meta.modified = from_ns(s.integer(7));
    return r;
}

Result<std::optional<Row>> find(Db& db, std::string_view path) {
    auto s =
        db.prepare_cached(std::string("SELECT ") + row_columns + " FROM resources WHERE path = ?");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, path);
    auto row = s->step();
    if (!row)
        return tl::unexpected(row.error());
    if (!*row)
        return std::optional<Row>{};
    return std::optional<Row>{read_row(*s)};
}

// The row at path, or a not-found error.
Result<Row> find_existing(Db& db, std::string_view path) {
    auto row = find(db, path);
    if (!row)
        return tl::unexpected(row.error());
    if (!*row)
        return fail(Errc::not_found, std::string(path));
    return std::move(**row);
}

// SQL condition selecting `path` itself and everything below it (?1 = the path). Paths below
// "/a" sort between "/a/" and "/a0" because '0' follows '/' in byte order: one range of the
// index (the path and what sorts up to ?1 || '0'), filtered to the path and its descendants
// (the range also holds siblings such as "/a.txt"). Spelt as "path = ?1 OR (range)", SQLite
// ran it as a MULTI-INDEX OR with an ephemeral table: 30,000 instructions per statement.
constexpr const char* subtree_where =
    "(path >= ?1 AND path < ?1 || '0' AND (path = ?1 OR substr(path, length(?1) + 1, 1) = '/'))";

Result<void> log_change(Db& db, std::string_view path, ChangeKind kind, bool collection) {
    return db.run("INSERT INTO changes(path, kind) VALUES(?, ?)", path,
                  stored_kind(kind, collection));
}

// A collection is logged as one (stored_kind: + 4): a removed one keeps the '/' of its URL,
// and coalesce() tells a document that replaced a collection of the same name (or the other
// way round) from a modification.
Result<void> log_subtree(Db& db, std::string_view path, ChangeKind kind) {
    return db.run(std::string("INSERT INTO changes(path, kind) SELECT path, ?2 + CASE WHEN "
                              "collection THEN 4 ELSE 0 END FROM resources WHERE ") +
                      subtree_where + " ORDER BY path",
                  path, static_cast<std::int64_t>(kind));
}

// The parent of a new resource must be an existing collection (RFC 4918 9.7.1, 9.3.1).
Result<void> check_parent(Db& db, std::string_view path) {
    auto parent = find(db, parent_of(path));
    if (!parent)
        return tl::unexpected(parent.error());
    if (!*parent)
        return fail(Errc::conflict, "parent collection missing for " + std::string(path));
    if (!(*parent)->meta.collection)
        return fail(Errc::conflict, "parent of " + std::string(path) + " is not a collection");
    return {};
}

// A body on its way in: small ones in memory, large ones in an unlinked temporary file.
struct Spooled {
    std::string memory;
    UniqueFd file;
    std::int64_t size = 0;
    std::string etag;
};

Result<Spooled> spool(Source& source, const std::string& dir, std::size_t inline_limit) {
    Spooled out;
    Sha256 hash;
    std::vector<std::byte> buf(copy_buffer);
    for (;;) {
        auto n = source.read(buf);
        if (!n)
            return tl::unexpected(n.error());
        if (*n == 0)
            break;
        hash.update(buf.data(), *n);
        out.size += static_cast<std::int64_t>(*n);
        if (!out.file && out.memory.size() + *n > inline_limit) {
            out.file = UniqueFd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
            if (!out.file)
                return tl::unexpected(errno_error(errno, "spool body"));
            if (auto ok = write_all(out.file.get(), out.memory.data(), out.memory.size()); !ok)
                return tl::unexpected(ok.error());
            out.memory.clear();
            out.memory.shrink_to_fit();
        }
        if (out.file) {
            if (auto ok = write_all(out.file.get(), buf.data(), *n); !ok)
                return tl::unexpected(ok.error());
        } else {
            out.memory.append(reinterpret_cast<const char*>(buf.data()), *n);
        }
    }
    // 128 bits of the SHA-256 are plenty for an etag; the full 64 hex digits make If headers
    // longer than some clients' buffers (litmus/neon cut them at 200 bytes).
    out.etag = hash.hex().substr(0, 32);
    return out;
}

Result<void> store_body(Db& db, std::int64_t resource_id, const Spooled& body) {
    if (auto ok = db.run("DELETE FROM body_chunks WHERE resource_id = ?", resource_id); !ok)
        return ok;
    auto ins = db.prepare("INSERT INTO body_chunks(resource_id, chunk, data) VALUES(?, ?, ?)");
    if (!ins)
        return tl::unexpected(ins.error());
    if (!body.file) {
        return ins->bind(1, resource_id).bind(2, std::int64_t{0}).bind_blob(3, body.memory).run();
    }
    std::vector<std::byte> buf(copy_buffer);
    for (std::int64_t chunk = 0; chunk * chunk_bytes < body.size; ++chunk) {
        std::int64_t start = chunk * chunk_bytes;
        std::int64_t len = std::min(chunk_bytes, body.size - start);
        ins->reset();
        if (auto ok = ins->bind(1, resource_id).bind(2, chunk).bind_zeroblob(3, len).run(); !ok)
            return ok;
        auto blob = Blob::open(db, "body_chunks", "data", db.last_insert_rowid(), true);
        if (!blob)
            return tl::unexpected(blob.error());
        for (std::int64_t off = 0; off < len;) {
            auto want = static_cast<std::size_t>(
                std::min<std::int64_t>(static_cast<std::int64_t>(buf.size()), len - off));
            ssize_t r = ::pread(body.file.get(), buf.data(), want, start + off);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return tl::unexpected(errno_error(r < 0 ? errno : EIO, "read spooled body"));
            auto ok = blob->write(std::span(buf.data(), static_cast<std::size_t>(r)), off);
            if (!ok)
                return ok;
            off += r;
        }
    }
    return {};
}

// Bumps the store's shared generation counter when a write method returns, committed or not
// (declared before the transaction, so it runs after the commit or the rollback).
class Bump {
public:
    explicit Bump(SharedCounter& counter) : counter_(counter) {}
    Bump(const Bump&) = delete;
    Bump& operator=(const Bump&) = delete;
    ~Bump() { counter_.bump(); }

private:
    SharedCounter& counter_;
};

// The whole body of a (small) document, inside the caller's read transaction.
Result<std::string> read_small_body(Db& db, std::int64_t resource_id) {
    auto s = db.prepare_cached("SELECT data FROM body_chunks WHERE resource_id = ? ORDER BY chunk");
    if (!s)
        return tl::unexpected(s.error());
    s->bind(1, resource_id);
    std::string out;
    auto ok = s->each_row([&](const Stmt& row) { out += row.blob(0); });
    if (!ok)
        return tl::unexpected(ok.error());
    return out;
}

// Streams a body out of its chunks inside one read transaction, so the reader sees one
// version even while writers commit new ones.
class ChunkBody final : public Body {
public:
    struct Chunk {
        std::int64_t rowid;
        std::int64_t start;
        std::int64_t length;
    };
    ChunkBody(Pool::Lease lease, Transaction tx, std::vector<Chunk> chunks, std::uint64_t offset,
              std::uint64_t length)
        : lease_(std::move(lease)), tx_(std::move(tx)), chunks_(std::move(chunks)),
          pos_(static_cast<std::int64_t>(offset)), end_(static_cast<std::int64_t>(offset + length)),
          length_(length) {}

    std::uint64_t length() const override { return length_; }

    Result<std::size_t> read(std::span<std::byte> buf) override {
        while (pos_ < end_) {
            if (!blob_ || pos_ >= current_.start + current_.length) {
                auto it = std::find_if(chunks_.begin(), chunks_.end(), [&](const Chunk& c) {
                    return pos_ >= c.start && pos_ < c.start + c.length;
                });
                if (it == chunks_.end())
                    return fail(Errc::io, "body chunk missing");
                current_ = *it;
                blob_.reset();
                auto blob = Blob::open(*lease_, "body_chunks", "data", it->rowid, false);
                if (!blob)
                    return tl::unexpected(blob.error());
                blob_.emplace(std::move(*blob));
            }
            std::int64_t in_chunk = pos_ - current_.start;
            auto n = static_cast<std::size_t>(std::min<std::int64_t>(
                {static_cast<std::int64_t>(buf.size()), current_.length - in_chunk, end_ - pos_}));
            auto ok = blob_->read(buf.first(n), in_chunk);
            if (!ok)
                return tl::unexpected(ok.error());
            pos_ += static_cast<std::int64_t>(n);
            return n;
        }
        return 0;
    }

private:
    Pool::Lease lease_; // destroyed last: the transaction and blob use its connection
    Transaction tx_;
    std::vector<Chunk> chunks_;
    std::optional<Blob> blob_;
    Chunk current_{};
    std::int64_t pos_;
    std::int64_t end_;
    std::uint64_t length_;
};

class SqliteStore final : public Store {
public:
    // uri: what the connections open (the file, or read_only_uri's URI when read-only).
    SqliteStore(std::string file, std::string uri, Options options, std::string store_id)
        : file_(std::move(file)), options_(options), store_id_(std::move(store_id)),
          pool_(
              std::move(uri),
              [durable = options.durable](Db& db) { return configure_connection(db, durable); },
              options.read_only ? OpenMode::read_only : OpenMode::read_write),
          // Next to the database, like the lock store's: every store object on this file, in
          // any process, bumps it after its writes.
          generation_(file_ == ":memory:" ? SharedCounter(-1)
                      : options.read_only
                          ? SharedCounter(file_ + "-changes", SharedCounter::read_only)
                          : SharedCounter(file_ + "-changes")),
          reserve_(file_ == ":memory:" || options.read_only ? SpaceReserve()
                                                            : SpaceReserve(file_ + "-reserve")) {
        reserve_.replenish();
        auto slash = file_.rfind('/');
        dir_ = slash == std::string::npos ? "." : file_.substr(0, slash);
        if (dir_.empty())
            dir_ = "/";
    }

    Capabilities capabilities() const override {
        return {.history = false,
                .content_addressed_etags = true,
                .file_bodies = false,
                .fast_reads = true};
    }

    Result<Meta> stat(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        const auto v = version(); // before the read: see ReadCache
        if (auto hit = cache_.document(*path, v))
            return std::move(hit->meta);
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        auto row = find_existing(**db, *path);
        if (!row)
            return tl::unexpected(row.error());
        cache_.put_document(*path, {row->meta, nullptr}, v);
        return std::move(row->meta);
    }

    Result<Opened> open_document(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        const auto v = version();
        if (auto hit = cache_.document(*path, v); hit && (hit->meta.collection || hit->body)) {
            Opened out{std::move(hit->meta), nullptr};
            if (hit->body)
                out.body = std::make_unique<SharedMemoryBody>(hit->body, 0, hit->body->size());
            return out;
        }
        auto at = read_existing(*path);
        if (!at)
            return tl::unexpected(at.error());
        if (at->row.meta.collection) {
            cache_.put_document(*path, {at->row.meta, nullptr}, v);
            return Opened{std::move(at->row.meta), nullptr};
        }
        if (cache_.room_for(at->row.meta.size)) {
            // Small: read whole in this transaction (bytes and etag of one version) and kept.
            auto bytes = read_small_body(*at->db, at->row.id);
            if (!bytes)
                return tl::unexpected(bytes.error());
            auto shared = std::make_shared<const std::string>(std::move(*bytes));
            cache_.put_document(*path, {at->row.meta, shared}, v);
            Opened out{std::move(at->row.meta), nullptr};
            out.body = std::make_unique<SharedMemoryBody>(shared, 0, shared->size());
            return out;
        }
        cache_.put_document(*path, {at->row.meta, nullptr}, v);
        auto body = open_chunks(std::move(at->db), std::move(at->tx), at->row.id, std::nullopt);
        if (!body)
            return tl::unexpected(body.error());
        return Opened{std::move(at->row.meta), std::move(*body)};
    }

    Result<std::vector<Meta>> list(std::string_view raw, ListOptions options) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        const auto v = version();
        if (auto hit = cache_.listing(*path, options.with_props, v)) {
            std::vector<Meta> out(*hit);
            if (!options.with_props)
                for (auto& m : out)
                    m.props.clear(); // the cached listing may have been read with them
            return out;
        }
        auto out = list_uncached(*path, options);
        if (out)
            cache_.put_listing(*path, std::make_shared<const std::vector<Meta>>(*out),
                               options.with_props, v);
        return out;
    }

    Result<std::vector<Meta>> list_uncached(const std::string& path, ListOptions options) {
        auto at = read_existing(path);
        if (!at)
            return tl::unexpected(at.error());
        if (!at->row.meta.collection)
            return fail(Errc::not_a_collection, path);
        auto s = at->db->prepare_cached(std::string("SELECT ") + row_columns +
                                        " FROM resources WHERE parent = ? ORDER BY path");
        if (!s)
            return tl::unexpected(s.error());
        s->bind(1, path);
        std::vector<Meta> out;
        auto listed = s->each_row([&](const Stmt& row) { out.push_back(read_row(row).meta); });
        if (!listed)
            return tl::unexpected(listed.error());
        if (options.with_props) {
            // One query for the dead properties of every member (no N+1).
            auto p = at->db->prepare(
                "SELECT r.path, p.ns, p.name, p.value FROM resources r JOIN props p ON "
                "p.resource_id = r.id WHERE r.parent = ? AND p.ns <> ? ORDER BY r.path");
            if (!p)
                return tl::unexpected(p.error());
            p->bind(1, path).bind(2, internal_ns);
            std::size_t i = 0;
            auto ok = p->each_row([&](const Stmt& row) {
                std::string member = row.text(0);
                while (i < out.size() && out[i].path != member)
                    ++i;
                if (i == out.size())
                    return false;
                out[i].props.push_back({{row.text(1), row.text(2)}, row.blob(3)});
                return true;
            });
            if (!ok)
                return tl::unexpected(ok.error());
        }
        return out;
    }

    Result<std::unique_ptr<Body>> open_read(std::string_view raw,
                                            std::optional<ByteRange> range) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (auto hit = cache_.document(*path, version()); hit && hit->body) {
            auto [offset, length] = clip(range, hit->body->size());
            return std::make_unique<SharedMemoryBody>(std::move(hit->body), offset, length);
        }
        auto at = read_existing(*path);
        if (!at)
            return tl::unexpected(at.error());
        if (at->row.meta.collection)
            return fail(Errc::is_a_collection, *path);
        return open_chunks(std::move(at->db), std::move(at->tx), at->row.id, range);
    }

    // A read transaction on a pooled connection. The transaction ends before the connection
    // goes back to the pool.
    struct ReadTx {
        Pool::Lease db;
        Transaction tx;
    };

    Result<ReadTx> begin_read() {
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        auto tx = Transaction::begin(**db, Transaction::Kind::read);
        if (!tx)
            return tl::unexpected(tx.error());
        return ReadTx{std::move(*db), std::move(*tx)};
    }

    // A read transaction at the row of an existing path (not_found otherwise).
    struct ReadAt : ReadTx {
        Row row;
    };

    Result<ReadAt> read_existing(const std::string& path) {
        auto read = begin_read();
        if (!read)
            return tl::unexpected(read.error());
        auto row = find_existing(*read->db, path);
        if (!row)
            return tl::unexpected(row.error());
        return ReadAt{std::move(*read), std::move(*row)};
    }

    // The body of a document, streamed in the caller's read transaction.
    Result<std::unique_ptr<Body>> open_chunks(Pool::Lease db, Transaction tx, std::int64_t id,
                                              std::optional<ByteRange> range) {
        auto s = db->prepare(
            "SELECT id, length(data) FROM body_chunks WHERE resource_id = ? ORDER BY chunk");
        if (!s)
            return tl::unexpected(s.error());
        s->bind(1, id);
        std::vector<ChunkBody::Chunk> chunks;
        std::int64_t start = 0;
        auto ok = s->each_row([&](const Stmt& row) {
            chunks.push_back({row.integer(0), start, row.integer(1)});
            start += row.integer(1);
        });
        if (!ok)
            return tl::unexpected(ok.error());
        s = Stmt();
        auto [offset, length] = clip(range, static_cast<std::uint64_t>(start));
        return std::make_unique<ChunkBody>(std::move(db), std::move(tx), std::move(chunks), offset,
                                           length);
    }

    Result<PutResult> put(std::string_view raw, Source& source, const PutOptions& options,
                          std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (is_root(*path))
            return fail(Errc::is_a_collection, "/");
        // Spool before taking the write lock: a slow client must not stall other writers.
        auto body = spool(source, dir_, options_.inline_body_limit);
        if (!body)
            return tl::unexpected(body.error());
        return write([&](Db& db) -> Result<PutResult> {
            auto existing = find(db, *path);
            if (!existing)
                return tl::unexpected(existing.error());
            if (*existing && (*existing)->meta.collection)
                return fail(Errc::is_a_collection, *path);
            std::optional<std::string> etag;
            if (*existing)
                etag = (*existing)->meta.etag;
            if (auto ok = check_precondition(options.precondition, etag); !ok)
                return tl::unexpected(ok.error());
            if (auto ok = check_parent(db, *path); !ok)
                return tl::unexpected(ok.error());
            std::int64_t now = now_ns();
            std::int64_t id = 0;
            if (*existing) {
                id = (*existing)->id;
                auto ok = db.run("UPDATE resources SET etag = ?, size = ?, content_type = ?, "
                                 "modified_ns = ? WHERE id = ?",
                                 body->etag, body->size, options.content_type, now, id);
                if (!ok)
                    return tl::unexpected(ok.error());
            } else {
                auto ok =
                    db.run("INSERT INTO resources(path, parent, collection, etag, size, "
                           "content_type, created_ns, modified_ns) VALUES(?, ?, 0, ?, ?, ?, ?, ?)",
                           *path, parent_of(*path), body->etag, body->size, options.content_type,
                           now, now);
                if (!ok)
                    return tl::unexpected(ok.error());
                id = db.last_insert_rowid();
            }
            if (auto ok = store_body(db, id, *body); !ok)
                return tl::unexpected(ok.error());
            // The change log moves in the same transaction as the content (unlike sabre/dav's).
            if (auto ok = log_change(db, *path,
                                     *existing ? ChangeKind::modified : ChangeKind::added, false);
                !ok)
                return tl::unexpected(ok.error());
            return PutResult{body->etag, !*existing};
        });
    }

    Result<void> mkcol(std::string_view raw, std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        return write([&](Db& db) -> Result<void> {
            auto existing = find(db, *path);
            if (!existing)
                return tl::unexpected(existing.error());
            if (*existing)
                return fail(Errc::exists, *path);
            if (auto ok = check_parent(db, *path); !ok)
                return ok;
            std::int64_t now = now_ns();
            auto ok = db.run("INSERT INTO resources(path, parent, collection, etag, created_ns, "
                             "modified_ns) VALUES(?, ?, 1, ?, ?, ?)",
                             *path, parent_of(*path), "c" + std::to_string(now), now, now);
            if (!ok)
                return ok;
            return log_change(db, *path, ChangeKind::added, true);
        });
    }

    Result<void> remove(std::string_view raw, const Precondition& pre, std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (is_root(*path))
            return fail(Errc::forbidden, "the root cannot be removed");
        // A full disk: the reserve makes room for this DELETE's WAL frames, so it frees pages.
        reserve_.release_if_low();
        auto removed = write([&](Db& db) -> Result<void> {
            auto existing = find(db, *path);
            if (!existing)
                return tl::unexpected(existing.error());
            std::optional<std::string> etag;
            if (*existing)
                etag = (*existing)->meta.etag;
            if (auto ok = check_precondition(pre, etag); !ok)
                return ok;
            if (!*existing)
                return fail(Errc::not_found, *path);
            return remove_tree(db, *path);
        });
        if (removed)
            reserve_.replenish();
        return removed;
    }

    Result<bool> copy(std::string_view from, std::string_view to, Depth depth, bool overwrite,
                      std::string_view) override {
        return transfer(from, to, depth, overwrite, false);
    }

    Result<bool> move(std::string_view from, std::string_view to, bool overwrite,
                      std::string_view) override {
        return transfer(from, to, Depth::infinity, overwrite, true);
    }

    Result<std::vector<Property>> props(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        const auto v = version();
        if (auto hit = cache_.props(*path, v))
            return *hit;
        auto out = props_uncached(*path);
        if (out)
            cache_.put_props(*path, *out, v);
        return out;
    }

    Result<std::vector<Property>> props_uncached(const std::string& path) {
        auto at = read_existing(path);
        if (!at)
            return tl::unexpected(at.error());
        auto s =
            at->db->prepare_cached("SELECT ns, name, value FROM props WHERE resource_id = ? AND "
                                   "ns <> ? ORDER BY ns, name");
        if (!s)
            return tl::unexpected(s.error());
        s->bind(1, at->row.id).bind(2, internal_ns);
        std::vector<Property> out;
        auto ok = s->each_row([&](const Stmt& row) {
            out.push_back({{row.text(0), row.text(1)}, row.blob(2)});
        });
        if (!ok)
            return tl::unexpected(ok.error());
        return out;
    }

    Result<void> patch_props(std::string_view raw, std::span<const PropOp> ops,
                             std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        for (const auto& op : ops)
            if (op.name.ns == internal_ns)
                return fail(Errc::forbidden, "reserved property namespace");
        return write([&](Db& db) -> Result<void> {
            auto row = find_existing(db, *path);
            if (!row)
                return tl::unexpected(row.error());
            auto set = db.prepare("INSERT OR REPLACE INTO props VALUES(?, ?, ?, ?)");
            auto del = db.prepare("DELETE FROM props WHERE resource_id = ? AND ns = ? AND "
                                  "name = ?");
            if (!set || !del)
                return tl::unexpected(!set ? set.error() : del.error());
            for (const auto& op : ops) {
                Stmt& s = op.value ? *set : *del;
                s.reset();
                s.bind(1, row->id).bind(2, op.name.ns).bind(3, op.name.name);
                if (op.value)
                    s.bind_blob(4, *op.value);
                if (auto ok = s.run(); !ok)
                    return ok; // the transaction rolls back: all or nothing
            }
            return log_change(db, *path, ChangeKind::modified, row->meta.collection);
        });
    }

    Result<std::string> sync_token(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto read = begin_read();
        if (!read)
            return tl::unexpected(read.error());
        Db& db = *read->db;
        auto row = find(db, *path);
        if (!row)
            return tl::unexpected(row.error());
        if (!*row || !(*row)->meta.collection)
            return fail(!*row ? Errc::not_found : Errc::not_a_collection, *path);
        auto seq = current_seq(db);
        if (!seq)
            return tl::unexpected(seq.error());
        return make_token(store_id_, *seq);
    }

    Result<Changes> changes_since(std::string_view raw, std::string_view token) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto read = begin_read();
        if (!read)
            return tl::unexpected(read.error());
        Db& db = *read->db;
        auto seq = current_seq(db);
        if (!seq)
            return tl::unexpected(seq.error());
        auto since = parse_token(token, store_id_, *seq);
        if (!since)
            return tl::unexpected(since.error());
        // Walks the log from the token on (the primary key), so the cost follows the number
        // of changes, not the size of the store.
        auto s = db.prepare("SELECT path, kind FROM changes WHERE seq > ? AND seq <= ? AND "
                            "(path > ?3 || '/' AND path < ?3 || '0' OR ?3 = '/') "
                            "ORDER BY seq");
        if (!s)
            return tl::unexpected(s.error());
        s->bind(1, *since).bind(2, *seq).bind(3, *path);
        std::vector<Change> log;
        auto ok = s->each_row([&](const Stmt& row) {
            std::string p = row.text(0);
            if (p != *path)
                log.push_back(change_from_row(std::move(p), row.integer(1)));
        });
        if (!ok)
            return tl::unexpected(ok.error());
        return Changes{make_token(store_id_, *seq), coalesce(log)};
    }

private:
    // The cache's version: the shared generation, read before the data it validates.
    std::string version() const {
        const std::uint64_t g = generation_.load();
        return std::string(reinterpret_cast<const char*>(&g), sizeof g);
    }

    // Runs body(db) in a write transaction on a pooled connection and commits when it
    // succeeds. The guards end in reverse order: the rollback (when not committed), the
    // writer mutex, the generation bump, and last the lease of the connection.
    template <class F>
    std::invoke_result_t<F&, Db&> write(F&& body) {
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        const Bump bump(generation_); // after the commit or rollback
        const std::lock_guard writer(write_mutex_);
        auto tx = Transaction::begin(**db, Transaction::Kind::write);
        if (!tx)
            return tl::unexpected(tx.error());
        auto out = body(**db);
        if (!out)
            return out;
        if (auto ok = tx->commit(); !ok)
            return tl::unexpected(ok.error());
        return out;
    }

    Result<std::int64_t> current_seq(Db& db) {
        auto s = db.prepare("SELECT coalesce(max(seq), 0) FROM changes");
        if (!s)
            return tl::unexpected(s.error());
        auto r = s->step();
        if (!r)
            return tl::unexpected(r.error());
        return s->integer(0);
    }

    Result<void> remove_tree(Db& db, const std::string& path) {
        if (auto ok = log_subtree(db, path, ChangeKind::removed); !ok)
            return ok;
        // Foreign keys cascade to bodies and properties.
        return db.run(std::string("DELETE FROM resources WHERE ") + subtree_where, path);
    }

    Result<bool> transfer(std::string_view raw_from, std::string_view raw_to, Depth depth,
                          bool overwrite, bool is_move) {
        auto from = normalise(raw_from);
        if (!from)
            return tl::unexpected(from.error());
        auto to = normalise(raw_to);
        if (!to)
            return tl::unexpected(to.error());
        if (auto ok = check_copy_target(*from, *to); !ok)
            return tl::unexpected(ok.error());
        return write([&](Db& db) -> Result<bool> {
            auto src = find(db, *from);
            if (!src)
                return tl::unexpected(src.error());
            if (!*src)
                return fail(Errc::not_found, *from);
            auto dst = find(db, *to);
            if (!dst)
                return tl::unexpected(dst.error());
            if (*dst && !overwrite)
                return fail(Errc::precondition_failed, *to + " exists and Overwrite is F");
            if (auto ok = check_parent(db, *to); !ok)
                return tl::unexpected(ok.error());
            if (*dst) {
                if (auto ok = remove_tree(db, *to); !ok)
                    return tl::unexpected(ok.error());
            }
            bool whole_tree = depth == Depth::infinity || !(*src)->meta.collection;
            const auto len = text_length(*from); // substr() counts characters
            std::string where = whole_tree ? subtree_where : "path = ?1";
            if (is_move) {
                if (auto ok = log_subtree(db, *from, ChangeKind::removed); !ok)
                    return tl::unexpected(ok.error());
                // One UPDATE renames the whole subtree inside the transaction: atomic.
                auto ok = db.run(
                    "UPDATE resources SET path = ?2 || substr(path, ?3 + 1), parent = CASE WHEN "
                    "path = ?1 THEN ?4 ELSE ?2 || substr(parent, ?3 + 1) END WHERE " +
                        where,
                    *from, *to, len, parent_of(*to));
                if (!ok)
                    return tl::unexpected(ok.error());
            } else {
                std::int64_t now = now_ns();
                auto ok = db.run(
                    "INSERT INTO resources(path, parent, collection, etag, size, content_type, "
                    "created_ns, modified_ns) SELECT ?2 || substr(path, ?3 + 1), CASE WHEN "
                    "path = ?1 THEN ?4 ELSE ?2 || substr(parent, ?3 + 1) END, collection, "
                    // A document's etag is its content's (the copy has the same bytes); a
                    // collection's is its creation time, as MKCOL gives it: a new one.
                    "CASE WHEN collection THEN 'c' || ?5 ELSE etag END, "
                    "size, content_type, ?5, ?5 FROM resources WHERE " +
                        where,
                    *from, *to, len, parent_of(*to), now);
                if (!ok)
                    return tl::unexpected(ok.error());
                for (const char* table : {"body_chunks", "props"}) {
                    std::string cols =
                        std::string(table) == "props" ? "ns, name, value" : "chunk, data";
                    auto copied = db.run(
                        std::string("INSERT INTO ") + table + "(resource_id, " + cols +
                            ") SELECT n.id, " + cols + " FROM resources o JOIN " + table +
                            " t ON t.resource_id = o.id JOIN resources n ON n.path = ?2 || "
                            "substr(o.path, ?3 + 1) WHERE " +
                            (whole_tree ? "(o.path = ?1 OR (o.path > ?1 || '/' AND o.path < ?1 "
                                          "|| '0'))"
                                        : "o.path = ?1"),
                        *from, *to, len);
                    if (!copied)
                        return tl::unexpected(copied.error());
                }
            }
            if (auto ok = log_subtree(db, *to, ChangeKind::added); !ok)
                return tl::unexpected(ok.error());
            return !*dst;
        });
    }

    std::string file_;
    std::string dir_;
    Options options_;
    std::string store_id_;
    // Writers of this process queue here rather than in SQLite's busy handler, which sleeps
    // and retries: under load a sleeping writer was overtaken by a thousand others.
    std::mutex write_mutex_;
    Pool pool_;
    SharedCounter generation_;
    SpaceReserve reserve_;
    ReadCache cache_{generation_.enabled()};
};

} // namespace

Result<std::unique_ptr<Store>> open(const std::string& file, Options options) {
    std::string uri = file;
    if (options.read_only && file != ":memory:") {
        auto ro = read_only_uri(file);
        if (!ro)
            return tl::unexpected(ro.error());
        uri = *ro;
    }
    auto db = Db::open(uri, options.read_only && file != ":memory:" ? OpenMode::read_only
                                                                    : OpenMode::read_write);
    if (!db)
        return tl::unexpected(db.error());
    if (auto ok = configure_connection(*db, options.durable); !ok)
        return tl::unexpected(ok.error());
    if (auto ok = options.read_only && file != ":memory:" ? check_schema(*db) : migrate(*db); !ok)
        return tl::unexpected(ok.error());
    auto s = db->prepare("SELECT value FROM store_meta WHERE key = 'store_id'");
    if (!s)
        return tl::unexpected(s.error());
    auto row = s->step();
    if (!row)
        return tl::unexpected(row.error());
    if (!*row)
        return fail(Errc::io, "store id missing in " + file);
    if (options.read_only && file == ":memory:")
        options.read_only = false; // nothing on disk to spare; a private database as asked
    auto store = std::make_unique<SqliteStore>(file, uri, options, s->text(0));
    return std::unique_ptr<Store>(std::move(store));
}

} // namespace quire::storage::sqlite
