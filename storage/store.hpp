// storage::Store: the one interface through which WebDAV and CalDAV keep all content.
// Every call is one transaction of its backend, synchronous (run it on the blocking pool) and
// safe to call from many threads at once. See docs/storage.md.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "body.hpp"
#include "error.hpp"

namespace quire::storage {

using Clock = std::chrono::system_clock;

struct PropName {
    std::string ns;
    std::string name;
    auto operator<=>(const PropName&) const = default;
};

// A dead property: its value is the XML of the property element's content, byte for byte
// (including any xml:lang or namespace declarations the DAV layer chose to keep).
struct Property {
    PropName name;
    std::string value;
    bool operator==(const Property&) const = default;
};

// One PROPPATCH instruction: set when value is present, remove otherwise.
struct PropOp {
    PropName name;
    std::optional<std::string> value;
};

struct Meta {
    std::string path;
    bool collection = false;
    // Strong etag without quotes; changes whenever the content changes.
    std::string etag;
    std::uint64_t size = 0;
    std::string content_type;
    Clock::time_point modified{};
    Clock::time_point created{};
    // Filled by list() only when asked for (PROPFIND Depth 1 with dead properties).
    std::vector<Property> props;
};

// If-Match / If-None-Match, evaluated under the same lock as the write. "*" means "any".
struct Precondition {
    std::optional<std::string> if_match;
    std::optional<std::string> if_none_match;
    // Nothing to check: no etag needs to be made for it.
    bool empty() const { return !if_match && !if_none_match; }
};

struct PutOptions {
    Precondition precondition;
    std::string content_type = "application/octet-stream";
};

struct PutResult {
    std::string etag;
    bool created = false; // 201 rather than 204
};

enum class Depth { zero, infinity };

// A document's new body taken piece by piece before the write is decided (Store::begin_put):
// the pieces arrive as the client sends them, and nothing is visible until finish(). Dropped
// unfinished, it leaves no trace and the old content stays.
class PutStream {
public:
    virtual ~PutStream() = default;
    virtual Result<void> write(std::span<const std::byte> piece) = 0;
    // The bytes written so far.
    virtual std::uint64_t size() const = 0;
    // Puts what was written at the path begin_put named, atomically, as put() does; call once.
    virtual Result<PutResult> finish(const PutOptions& options, std::string_view actor) = 0;
};

struct ListOptions {
    bool with_props = false;
};

enum class ChangeKind { added, modified, removed };

struct Change {
    std::string path;
    ChangeKind kind;
    // A collection was removed (its URL ends in '/', RFC 4918 section 5.2); false where the
    // store cannot tell, and for other kinds. In a change log (the input of coalesce()) it
    // marks collections for every kind, so that a document replacing a collection of the same
    // name (or the other way round) shows as the one removed and the other added.
    bool collection = false;
    bool operator==(const Change&) const = default;
};

// How a change's kind is kept in a change log's integer column: the kind, plus 4 for a
// collection (rows written before the flag existed read as documents; before the flag was
// kept for additions and modifications too, only removals carried it).
std::int64_t stored_kind(ChangeKind kind, bool collection);
Change change_from_row(std::string path, std::int64_t stored);

// Members of a collection (at any depth below it) that changed between a token and `token`.
struct Changes {
    std::string token;
    std::vector<Change> changes;
};

struct Version {
    std::string id;
    Clock::time_point time{};
    std::string author;
    std::string message;
};

// A resource's metadata together with its body opened for reading (no body for a
// collection), read in one go.
struct Opened {
    Meta meta;
    std::unique_ptr<Body> body;
    // Until when a caller may keep a copy of this answer (read_generation permitting): the
    // store's own cache of it lasts as long, and sees files changed behind its back after
    // that. Left at the epoch: keep no copy.
    std::chrono::steady_clock::time_point fresh_until{};
};

struct Capabilities {
    bool history = false;
    // Same bytes give the same etag (git blob ids, SQLite content hashes); fs etags come from
    // size + mtime + inode, so rewriting identical bytes gives a new one.
    bool content_addressed_etags = false;
    // Bodies come back as real files (Body::file()) for sendfile.
    bool file_bodies = false;
    // stat, list, props and open_document (without reading a large body) are local and short:
    // a server may run them on its event loop rather than hand them to a thread.
    bool fast_reads = false;
    std::size_t max_name_bytes = 255;
};

class Store {
public:
    virtual ~Store() = default;

    virtual Capabilities capabilities() const = 0;

    virtual Result<Meta> stat(std::string_view path) = 0;
    // A number that moves whenever a write through any Store on the same data commits: a
    // caller's copy of an answer (Opened::fresh_until) counts only while it stays the same.
    // nullopt: the store cannot tell; keep nothing.
    virtual std::optional<std::uint64_t> read_generation() const { return std::nullopt; }

    // stat() without the media type (content_type left empty): what the checks before a
    // write need (existence, collection, etag, dates). The fs store then reads no database.
    virtual Result<Meta> stat_basic(std::string_view path) { return stat(path); }
    // Direct members of a collection with their metadata, in one backend round trip.
    virtual Result<std::vector<Meta>> list(std::string_view collection,
                                           ListOptions options = {}) = 0;
    virtual Result<std::unique_ptr<Body>> open_read(std::string_view path,
                                                    std::optional<ByteRange> range = {}) = 0;

    // stat() and open_read() together; backends override it when they can do it in fewer
    // steps (fs: one open and one fstat instead of two lookups by name).
    virtual Result<Opened> open_document(std::string_view path) {
        auto meta = stat(path);
        if (!meta)
            return tl::unexpected(std::move(meta.error()));
        Opened out{std::move(*meta), nullptr};
        if (out.meta.collection)
            return out;
        auto body = open_read(path);
        if (!body)
            return tl::unexpected(std::move(body.error()));
        out.body = std::move(*body);
        return out;
    }

    // Writes a document atomically: readers see the old or the new body, never a mix.
    virtual Result<PutResult> put(std::string_view path, Source& body, const PutOptions& options,
                                  std::string_view actor) = 0;
    // A put whose body comes in pieces (a large or chunked request body, written as it
    // arrives). The default keeps the pieces in an unnamed temporary file under TMPDIR and
    // calls put() at finish(); a store that can writes them where the document will be.
    virtual Result<std::unique_ptr<PutStream>> begin_put(std::string_view path);
    // A put of a body held in memory that the store finishes at once, waiting for nothing (as
    // try_move_now): its result, or nullopt when it cannot, and put() must be called instead
    // (from the blocking pool).
    virtual std::optional<Result<PutResult>> try_put_now(std::string_view path,
                                                         std::string_view body,
                                                         const PutOptions& options,
                                                         std::string_view actor) {
        (void)path;
        (void)body;
        (void)options;
        (void)actor;
        return std::nullopt;
    }
    virtual Result<void> mkcol(std::string_view path, std::string_view actor) = 0;
    // Removes a document or a whole collection tree.
    virtual Result<void> remove(std::string_view path, const Precondition& precondition,
                                std::string_view actor) = 0;
    // Both return true when the destination was created (201) rather than replaced (204).
    // Overwrite false on an existing destination is precondition_failed (RFC 4918 9.8.4).
    virtual Result<bool> copy(std::string_view from, std::string_view to, Depth depth,
                              bool overwrite, std::string_view actor) = 0;
    virtual Result<bool> move(std::string_view from, std::string_view to, bool overwrite,
                              std::string_view actor) = 0;
    // With fast_reads: whether reads are short right now. The fs store says no while its quick
    // journal waits to be folded (the next read of properties folds it, under the writer lock,
    // which may have to wait): such a read belongs on the blocking pool.
    virtual bool reads_short_now() const { return true; }
    // A move the store can finish at once, waiting for nothing (no lock held by another
    // writer, no transaction): its result, or nullopt when it cannot, and move() must be
    // called instead (from the blocking pool). Cheap enough for an event loop's thread.
    virtual std::optional<Result<bool>> try_move_now(std::string_view from, std::string_view to,
                                                     bool overwrite, std::string_view actor) {
        (void)from;
        (void)to;
        (void)overwrite;
        (void)actor;
        return std::nullopt;
    }

    virtual Result<std::vector<Property>> props(std::string_view path) = 0;
    // All operations apply or none does.
    virtual Result<void> patch_props(std::string_view path, std::span<const PropOp> ops,
                                     std::string_view actor) = 0;

    virtual Result<std::string> sync_token(std::string_view collection) = 0;
    // invalid_sync_token for a token this store did not issue or no longer covers.
    virtual Result<Changes> changes_since(std::string_view collection, std::string_view token) = 0;

    // Version history where capabilities().history says so; not_supported otherwise.
    virtual Result<std::vector<Version>> history(std::string_view path) {
        (void)path;
        return fail(Errc::not_supported, "this backend keeps no history");
    }
    virtual Result<std::unique_ptr<Body>> open_version(std::string_view path,
                                                       std::string_view version) {
        (void)path;
        (void)version;
        return fail(Errc::not_supported, "this backend keeps no history");
    }
};

} // namespace quire::storage
