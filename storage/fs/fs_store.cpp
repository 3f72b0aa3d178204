#include "fs_store.hpp"

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <stdio.h> // renameat2
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <unordered_set>

#include "../common.hpp"
#include "../path.hpp"
#include "../space_reserve.hpp"
#include "copy_tree.hpp"
#include "files.hpp"
#include "folder_lock.hpp"
#include "journal.hpp"
#include "meta.hpp"
#include "meta_cache.hpp"
#include "share_root.hpp"
#include "taken_names.hpp"

namespace quire::storage::fs {

namespace {

using sqlite::Db;
using sqlite::Pool;
using sqlite::Transaction;

const PropName content_type_prop{std::string(internal_ns), "getcontenttype"};
// Added to a trash entry's name for the copy staged under it (the entry itself is where the
// destination the copy replaces goes).
constexpr std::string_view copy_suffix = ".copy";
// What a document without a recorded media type has.
constexpr std::string_view default_content_type = "application/octet-stream";

// True when the folder open at fd has been removed (no name links to it any more).
bool folder_removed(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && st.st_nlink == 0;
}

// Removes a temporary file unless the write reached its rename. The name is removed in the
// folder's descriptor (borrowed: its owner outlives this), so a folder moved meanwhile by
// another program does not keep the file.
class TempFile {
public:
    TempFile() = default;
    TempFile(int folder, std::string name) : folder_(folder), name_(std::move(name)) {}
    TempFile(TempFile&& other) noexcept
        : folder_(other.folder_), name_(std::exchange(other.name_, {})) {}
    TempFile& operator=(TempFile&&) = delete;
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (!name_.empty())
            ::unlinkat(folder_, name_.c_str(), 0);
    }
    void release() { name_.clear(); }

private:
    int folder_ = AT_FDCWD;
    std::string name_;
};

// Tells the share, at the end of its scope (after the renames, still under the writer lock),
// that folders were moved, replaced or removed, when `folders` says so.
class FolderChange {
public:
    FolderChange(const ShareRoot& share, bool folders) : share_(share), folders_(folders) {}
    FolderChange(const FolderChange&) = delete;
    FolderChange& operator=(const FolderChange&) = delete;
    ~FolderChange() {
        if (folders_)
            share_.folders_changed();
    }

private:
    const ShareRoot& share_;
    bool folders_;
};

void remove_tree_quietly(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

class FsStore final : public Store {
public:
    // meta_db: the metadata database's file, or (read-only) the URI that reads it without
    // writing (mode read_only), or ":memory:" for a read-only folder without one.
    FsStore(std::string root, ShareRoot share, std::string store_id, FolderLock folder_lock,
            Journal journal, bool durable, std::chrono::milliseconds cache_ttl, std::string meta_db,
            sqlite::OpenMode meta_mode, bool read_only)
        : root_(std::move(root)), share_(std::move(share)), trash_(root_ + "/.quire/trash"),
          side_tmp_(root_ + "/.quire/tmp"), store_id_(std::move(store_id)),
          folder_lock_(std::move(folder_lock)),
          // Read-only: the generation that writers in other processes bump, where there is one.
          cache_(read_only ? MetaCache(root_ + "/.quire/lock", SharedCounter::read_only, cache_ttl)
                           : MetaCache(folder_lock_.fd(), cache_ttl)),
          journal_(std::move(journal)), durable_(durable), quick_(!durable && journal_.enabled()),
          read_only_(read_only),
          pool_(
              meta_db,
              [durable, memory = meta_db == ":memory:"](Db& db) -> Result<void> {
                  if (auto ok = meta::configure(db, durable); !ok)
                      return ok;
                  return memory ? meta::migrate(db) : Result<void>{};
              },
              meta_mode),
          reserve_(read_only ? SpaceReserve() : SpaceReserve(root_ + "/.quire/reserve")) {}

    // What opening does after the constructor: settles what a crash left (recover()), on a
    // full disk with the reserve's room (space_reserve.hpp), then makes the reserve again
    // when there is room for it. A read-only store settles nothing: it writes nothing.
    Result<void> start() {
        if (read_only_)
            return {};
        reserve_.release_if_low();
        auto recovered = recover();
        reserve_.replenish();
        return recovered;
    }

    // Best effort: a row left behind is settled, and the journal folded, at the next open
    // anyway. No other thread may use the store by now, so the check needs no lock.
    ~FsStore() override {
        if (read_only_ || (done_intents_.empty() && journal_.empty()))
            return;
        auto lock = write_lock();
        if (auto db = pool_.acquire())
            (void)write_tx(**db, [] { return Result<void>{}; });
    }

    // Finishes or undoes what a crash interrupted, then empties the trash.
    Result<void> recover() {
        auto lock = write_lock();
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        // What the quick journal holds happened after every intent still in meta.db: folded
        // first, it is in the change log that settle() consults.
        if (!journal_.empty())
            if (auto ok = write_tx(**db, [] { return Result<void>{}; }); !ok)
                return ok;
        auto pending = meta::intents(**db);
        if (!pending)
            return tl::unexpected(pending.error());
        // Changes logged up to here were made by operations; settle() logs more of its own.
        auto upto = meta::current_seq(**db);
        if (!upto)
            return tl::unexpected(upto.error());
        for (auto& intent : *pending)
            if (auto ok = settle(**db, intent, *upto); !ok)
                return ok;
        share_.folders_changed(); // settle() may have moved folders back or on
        for (const auto& dir : {trash_, side_tmp_}) {
            remove_tree_quietly(dir);
            if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
                return tl::unexpected(errno_error(errno, "mkdir " + dir));
        }
        side_tmp_fd_.reset(); // the folder it named is gone
        return {};
    }

    Capabilities capabilities() const override {
        return {.history = false,
                .content_addressed_etags = false,
                .file_bodies = true,
                .fast_reads = true};
    }

    bool reads_short_now() const override { return journal_.empty(); }

    // Every write bumps the shared generation (MetaCache).
    std::optional<std::uint64_t> read_generation() const override {
        if (!cache_.files_enabled())
            return std::nullopt;
        return cache_.generation();
    }

    Result<Meta> stat(std::string_view raw) override {
        auto m = stat_basic(raw);
        if (!m || m->collection)
            return m;
        auto type = content_type_of(m->path);
        if (!type)
            return tl::unexpected(type.error());
        m->content_type = std::move(*type);
        return m;
    }

    Result<Meta> stat_basic(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto file = find_file(*path, false);
        if (!file)
            return tl::unexpected(file.error());
        return meta_of(*path, file->info);
    }

    Result<Opened> open_document(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto file = find_file(*path, true);
        if (!file)
            return tl::unexpected(file.error());
        Opened out{meta_of(*path, file->info), nullptr};
        if (out.meta.collection)
            return out;
        auto type = content_type_of(*path);
        if (!type)
            return tl::unexpected(type.error());
        out.meta.content_type = std::move(*type);
        if (!file->fd) { // not cached and not opened (unreadable): open now, or say why not
            UniqueFd fd = share_.open(*path, O_RDONLY | O_NONBLOCK);
            if (!fd)
                return tl::unexpected(open_error(errno, *path));
            file->fd = std::make_shared<const UniqueFd>(std::move(fd));
        }
        out.body = std::make_unique<FdBody>(file->fd, file->content, 0, file->info.size);
        out.fresh_until = file->expires; // a cache hit's; the epoch for a fresh read
        return out;
    }

    // A file or folder that exists, from the cache when it has it. stat() needs only the
    // statx data (one statx by name on a miss, cached as such); a reader (open_it) needs the
    // file opened (O_NONBLOCK: a FIFO put there by hand must not block), statx'ed through its
    // descriptor, and small bytes read, all cached. A file that cannot be opened is statx'ed
    // by name and not cached.
    Result<CachedFile> find_file(const std::string& path, bool open_it) {
        auto hit = cache_.file(path);
        if (hit && (!open_it || hit->fd || hit->info.directory)) {
            if (!open_it || hit->content || !hit->fd || still_as_cached(*hit))
                return std::move(*hit);
            cache_.drop_file(path); // changed by another program: read afresh below
        }
        const auto generation = cache_.generation();
        CachedFile out;
        auto by_name = [&]() -> Result<CachedFile> {
            auto info = share_.info(path);
            if (!info)
                return tl::unexpected(info.error());
            if (!info->exists)
                return fail(Errc::not_found, path);
            out.info = *info;
            return out;
        };
        if (!open_it) {
            auto found = by_name();
            if (found)
                cache_.put_file(path, *found, generation);
            return found;
        }
        UniqueFd fd = share_.open(path, O_RDONLY | O_NONBLOCK);
        if (!fd) {
            if (errno == ENOENT || errno == ENOTDIR)
                return fail(Errc::not_found, path);
            if (errno == EXDEV)
                return tl::unexpected(leads_out(path));
            return by_name();
        }
        auto info = file_info(fd.get(), "", AT_EMPTY_PATH);
        if (!info)
            return tl::unexpected(info.error());
        if (!info->exists)
            return fail(Errc::not_found, path);
        out.info = *info;
        if (info->directory) {
            cache_.put_file(path, out, generation);
            return out;
        }
        if (cache_.files_enabled() && cache_.room_for(info->size))
            out.content = read_small(fd.get(), *info);
        out.fd = std::make_shared<const UniqueFd>(std::move(fd));
        cache_.put_file(path, out, generation);
        return out;
    }

    // A cached file whose body is sent from its descriptor (not from cached bytes) is looked
    // at again (one fstat): another program may have rewritten it in place since it was
    // cached, and a length or etag from before would not match what the descriptor now
    // reads (a body cut short and the connection closed, or bytes of two versions).
    static bool still_as_cached(const CachedFile& file) {
        auto now = file_info(file.fd->get(), "", AT_EMPTY_PATH);
        return now && now->exists && now->size == file.info.size &&
               now->mtime_ns == file.info.mtime_ns;
    }

    // The bytes of a small file, or null when it changed while being read (then they and
    // its statx data might not belong together).
    static std::shared_ptr<const std::string> read_small(int fd, const FileInfo& info) {
        std::string bytes(info.size, '\0');
        std::size_t got = 0;
        while (got < bytes.size()) {
            ssize_t n =
                ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return nullptr;
            got += static_cast<std::size_t>(n);
        }
        auto after = file_info(fd, "", AT_EMPTY_PATH);
        if (!after || after->size != info.size || after->mtime_ns != info.mtime_ns)
            return nullptr;
        return std::make_shared<const std::string>(std::move(bytes));
    }

    // Every property of a path (the media type too), from the cache when it is current.
    Result<std::shared_ptr<const std::vector<Property>>> all_props_of(const std::string& path) {
        if (auto cached = cache_.props(path))
            return cached;
        const auto generation = cache_.generation();
        fold_journal_for_reading();
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        auto props = meta::props_of(**db, path);
        if (!props)
            return tl::unexpected(props.error());
        auto out = std::make_shared<const std::vector<Property>>(*props);
        cache_.put_props(path, std::move(*props), generation);
        return out;
    }

    // The media type recorded at PUT.
    Result<std::string> content_type_of(const std::string& path) {
        auto props = all_props_of(path);
        if (!props)
            return tl::unexpected(props.error());
        return content_type_from(**props);
    }

    Result<std::vector<Meta>> list(std::string_view raw, ListOptions options) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (auto hit = cache_.listing(*path))
            return members_copy(*hit, options);
        const auto generation = cache_.generation();
        // Everything below is read through one open descriptor of the folder, so a listing
        // that races with a move of the collection still sees all of it.
        UniqueFd dir = share_.open(*path, O_RDONLY | O_DIRECTORY);
        if (!dir) {
            if (errno == ENOENT)
                return fail(Errc::not_found, *path);
            if (errno == ENOTDIR) {
                auto info = share_.info(*path);
                return fail(info && !info->exists ? Errc::not_found : Errc::not_a_collection,
                            *path);
            }
            return tl::unexpected(open_error(errno, *path));
        }
        auto names = member_names_at(dir.get());
        if (!names)
            return tl::unexpected(names.error());
        fold_journal_for_reading();
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        // One query for the metadata of every member (no N+1 into the database).
        auto props = meta::props_of_members(**db, *path);
        if (!props)
            return tl::unexpected(props.error());
        std::vector<Meta> out;
        out.reserve(names->size());
        for (auto& name : *names) {
            std::string child = join(*path, name);
            auto child_info = file_info(dir.get(), name, AT_SYMLINK_NOFOLLOW);
            if (child_info && child_info->symlink) {
                child_info = share_.info(child);
                if (!child_info && child_info.error().code == Errc::forbidden)
                    continue; // a link out of the share is not shown
            }
            if (!child_info)
                return tl::unexpected(child_info.error());
            if (!child_info->exists)
                continue; // removed meanwhile, or not a file or folder
            Meta m = meta_of(child, *child_info);
            if (auto it = props->find(child); it != props->end()) {
                if (!m.collection)
                    m.content_type = content_type_from(it->second);
                if (options.with_props || cache_.files_enabled())
                    m.props = dead_only(std::move(it->second));
            } else if (!m.collection) {
                m.content_type = content_type_from({});
            }
            out.push_back(std::move(m));
        }
        if (!cache_.files_enabled())
            return out;
        auto members = std::make_shared<const std::vector<Meta>>(std::move(out));
        cache_.put_listing(*path, members, generation);
        return members_copy(*members, options);
    }

    static std::vector<Meta> members_copy(const std::vector<Meta>& members, ListOptions options) {
        if (options.with_props)
            return members;
        std::vector<Meta> out;
        out.reserve(members.size());
        for (const auto& m : members)
            out.push_back(Meta{
                m.path, m.collection, m.etag, m.size, m.content_type, m.modified, m.created, {}});
        return out;
    }

    Result<std::unique_ptr<Body>> open_read(std::string_view raw,
                                            std::optional<ByteRange> range) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        UniqueFd fd = share_.open(*path, O_RDONLY);
        if (!fd) {
            if (errno == ENOENT || errno == ENOTDIR)
                return fail(Errc::not_found, *path);
            return tl::unexpected(open_error(errno, *path));
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0)
            return tl::unexpected(errno_error(errno, "stat " + *path));
        if (S_ISDIR(st.st_mode))
            return fail(Errc::is_a_collection, *path);
        auto [offset, length] = clip(range, static_cast<std::uint64_t>(st.st_size));
        return std::make_unique<FdBody>(std::move(fd), offset, length);
    }

    Result<PutResult> put(std::string_view raw, Source& source, const PutOptions& options,
                          std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        // A body already in memory goes the quick put's way, under the lock: the same few
        // system calls as on the event loop. When puts pile up on the pool (their writer lock
        // keeps the event loop's try from taking it), the slower way below held the lock long
        // enough that every later put came here too (measured: all of them, with two linkat
        // each, under a PUT-overwrite load that had started on the event loop).
        if (auto body = source.in_memory();
            body && quick_ && !is_root(*path) && body->size() <= max_quick_put) {
            auto lock = write_lock();
            if (auto put = put_from_side_folder(*path, *body, options))
                return *put;
        }
        // The body is written outside the lock: a slow client must not stall other writers.
        auto staged = stage_body(*path, source);
        if (!staged)
            return tl::unexpected(staged.error());
        auto lock = write_lock();
        return place_put(*path, *staged, options);
    }

    Result<std::unique_ptr<PutStream>> begin_put(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto staged = open_staging(*path);
        if (!staged)
            return tl::unexpected(staged.error());
        return std::make_unique<FsPutStream>(*this, std::move(*path), std::move(*staged));
    }

    // Bodies in memory up to this size are written under the writer lock (put, try_put_now).
    static constexpr std::size_t max_quick_put = 64 * 1024;
    // How long an event loop's quick put or move waits for the writer lock. Another quick put
    // on the blocking pool holds it for some microseconds, but on a busy core its thread can
    // be descheduled while holding it: failing at once then sent the next put to the pool too,
    // and under a steady load every put went that way (two thread hand-offs each). Waiting
    // this long lets that thread finish; a writer that holds the lock longer (a fold, a copy)
    // still sends the put to the pool.
    static constexpr std::chrono::microseconds quick_wait{200};

    // Only the quick put, and only when the writer lock is free: the body is in memory, and
    // writing it under the lock costs a copy into the page cache.
    std::optional<Result<PutResult>> try_put_now(std::string_view raw, std::string_view body,
                                                 const PutOptions& options,
                                                 std::string_view) override {
        if (!quick_)
            return std::nullopt;
        auto path = normalise(raw);
        if (!path)
            return Result<PutResult>(tl::unexpected(path.error()));
        WriteLock lock(*this, true, quick_wait);
        if (!lock.held())
            return std::nullopt;
        if (!is_root(*path))
            if (auto put = put_from_side_folder(*path, body, options))
                return put;
        MemorySource source(body);
        auto staged = stage_body(*path, source);
        if (!staged)
            return Result<PutResult>(tl::unexpected(staged.error()));
        return place_put(*path, *staged, options);
    }

    // Gives an O_TMPFILE file the name `name` in the folder `dir`; false (errno set) when it
    // cannot, EEXIST when the name is taken.
    static bool link_anonymous(int fd, int dir, const std::string& name) {
        const std::string proc = "/proc/self/fd/" + std::to_string(fd);
        return ::linkat(AT_FDCWD, proc.c_str(), dir, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
    }

    Result<void> mkcol(std::string_view raw, std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto lock = write_lock();
        auto existing = share_.info(*path);
        if (!existing)
            return tl::unexpected(existing.error());
        if (existing->exists)
            return fail(Errc::exists, *path);
        if (auto ok = check_parent(*path); !ok)
            return ok;
        auto at = share_.at(*path);
        if (!at)
            return tl::unexpected(no_parent(at.error(), *path));
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        meta::Intent intent{0, "mkcol", *path, "", ""};
        // Properties still recorded at this path belong to a collection another program
        // removed: not to the new one.
        if (auto ok = begin_intent(**db, intent, {{*path, ChangeKind::added, true}},
                                   [&] { return meta::drop_props(**db, *path); });
            !ok)
            return ok;
        if (::mkdirat(at->dir, at->name.c_str(), 0755) != 0) {
            Error err = errno_error(errno, "mkdir " + *path);
            (void)settle(**db, intent);
            return tl::unexpected(std::move(err));
        }
        if (auto ok = sync_folder(parent_of(*path)); !ok)
            return ok;
        done_intents_.push_back(intent.id);
        return {};
    }

    Result<void> remove(std::string_view raw, const Precondition& pre, std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (is_root(*path))
            return fail(Errc::forbidden, "the root cannot be removed");
        auto lock = write_lock();
        auto at = share_.at(*path);
        if (!at && at.error().code == Errc::forbidden)
            return tl::unexpected(at.error());
        auto existing = at ? share_.info_at(*at, *path) : Result<FileInfo>(FileInfo{});
        if (!existing)
            return tl::unexpected(existing.error());
        std::optional<std::string> etag;
        if (existing->exists && !pre.empty())
            etag = etag_of(*existing);
        if (auto ok = check_precondition(pre, etag); !ok)
            return ok;
        if (!existing->exists)
            return fail(Errc::not_found, *path);
        // A full disk: the reserve makes room for this DELETE's records, so it frees space.
        reserve_.release_if_low();
        auto gone = subtree(*path, *existing);
        if (!gone)
            return tl::unexpected(gone.error());
        std::vector<Change> log;
        for (auto& p : *gone)
            log.push_back({p.path, ChangeKind::removed, p.directory});
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        meta::Intent intent{0, "remove", *path, "", trash_ + "/" + temp_name()};
        if (auto ok = begin_intent(**db, intent, log); !ok)
            return ok;
        FolderChange removed(share_, existing->directory);
        // One rename makes the whole tree disappear at once; deleting it comes after.
        if (::renameat(at->dir, at->name.c_str(), AT_FDCWD, intent.staging.c_str()) != 0) {
            Error err = errno_error(errno, "remove " + *path);
            (void)settle(**db, intent);
            return tl::unexpected(std::move(err));
        }
        if (auto ok = sync_folder(parent_of(*path)); !ok)
            return ok;
        auto finished = finish(**db, intent);
        if (finished)
            reserve_.replenish();
        return finished;
    }

    Result<bool> copy(std::string_view from, std::string_view to, Depth depth, bool overwrite,
                      std::string_view) override {
        return transfer(from, to, depth, overwrite, false);
    }

    Result<bool> move(std::string_view from, std::string_view to, bool overwrite,
                      std::string_view) override {
        return transfer(from, to, Depth::infinity, overwrite, true);
    }

    // Only the quick move (a document to a free name), and only when the writer lock is free.
    std::optional<Result<bool>> try_move_now(std::string_view raw_from, std::string_view raw_to,
                                             bool overwrite, std::string_view) override {
        if (!quick_)
            return std::nullopt;
        auto from = normalise(raw_from);
        auto to = normalise(raw_to);
        if (!from || !to)
            return Result<bool>(tl::unexpected(from ? to.error() : from.error()));
        if (auto ok = check_copy_target(*from, *to); !ok)
            return Result<bool>(tl::unexpected(ok.error()));
        WriteLock lock(*this, true, quick_wait);
        if (!lock.held())
            return std::nullopt;
        if (!noreplace_refused_.load(std::memory_order_relaxed)) {
            // The destination is not looked at first: renaming with RENAME_NOREPLACE fails when
            // it exists or its folder does not, and the full move then finds out which.
            // A kept folder is not checked first: a missing source may mean that it was
            // removed, and is looked for again then (a failed rename takes the full move).
            auto ends = share_.at_both(*from, *to, ShareRoot::Check::later);
            if (!ends)
                return std::nullopt; // the full move says what is wrong
            auto src = share_.info_at(ends->first, *from);
            if (src && !src->exists && share_.removed(ends->first, *from)) {
                ends = share_.at_both(*from, *to);
                if (!ends)
                    return std::nullopt;
                src = share_.info_at(ends->first, *from);
            }
            if (!src)
                return Result<bool>(tl::unexpected(src.error()));
            if (!src->exists)
                return Result<bool>(fail(Errc::not_found, *from));
            if (src->directory)
                return std::nullopt;
            return journal_move(*from, *to, *ends, src->inode, Rename::unless_taken);
        }
        auto ends = check_ends(*from, *to, overwrite);
        if (!ends)
            return Result<bool>(tl::unexpected(ends.error()));
        if (ends->src.directory || ends->dst.exists)
            return std::nullopt;
        return journal_move(*from, *to, ends->at, ends->src.inode, Rename::plain);
    }

    Result<std::vector<Property>> props(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (auto file = find_file(*path, false); !file)
            return tl::unexpected(file.error());
        auto props = all_props_of(*path);
        if (!props)
            return tl::unexpected(props.error());
        return dead_only(**props);
    }

    Result<void> patch_props(std::string_view raw, std::span<const PropOp> ops,
                             std::string_view) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        for (const auto& op : ops)
            if (op.name.ns == internal_ns)
                return fail(Errc::forbidden, "reserved property namespace");
        auto lock = write_lock();
        auto info = share_.info(*path);
        if (!info)
            return tl::unexpected(info.error());
        if (!info->exists)
            return fail(Errc::not_found, *path);
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        // One transaction: all operations apply or none does.
        return write_tx(**db, [&]() -> Result<void> {
            for (const auto& op : ops) {
                auto ok = op.value ? meta::set_prop(**db, *path, op.name, *op.value)
                                   : meta::remove_prop(**db, *path, op.name);
                if (!ok)
                    return ok;
            }
            return meta::log(**db, *path, ChangeKind::modified, info->directory);
        });
    }

    Result<std::string> sync_token(std::string_view raw) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (auto ok = must_be_collection(*path); !ok)
            return tl::unexpected(ok.error());
        fold_journal_for_reading();
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        auto seq = meta::current_seq(**db);
        if (!seq)
            return tl::unexpected(seq.error());
        return make_token(store_id_, *seq);
    }

    Result<Changes> changes_since(std::string_view raw, std::string_view token) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (auto ok = must_be_collection(*path); !ok)
            return tl::unexpected(ok.error());
        fold_journal_for_reading();
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        auto tx = Transaction::begin(**db, Transaction::Kind::read);
        if (!tx)
            return tl::unexpected(tx.error());
        auto seq = meta::current_seq(**db);
        if (!seq)
            return tl::unexpected(seq.error());
        auto since = parse_token(token, store_id_, *seq);
        if (!since)
            return tl::unexpected(since.error());
        auto log = meta::log_since(**db, *since, *seq, *path);
        if (!log)
            return tl::unexpected(log.error());
        return Changes{make_token(store_id_, *seq), coalesce(*log)};
    }

private:
    // A PUT's body in a file of its own beside its target, not named yet.
    struct StagedBody {
        UniqueFd fd;
        bool anonymous = false; // O_TMPFILE: no name at all until place_body()
        UniqueFd folder;        // the folder it was made in
        std::string temp_name;  // the hidden name it has there, or may get
        std::string temp_path;  // the same as a full path, for the journal
        TempFile temp;          // removes that name unless released
        FileInfo written;
    };

    // A PUT to a name whose folder is missing (RFC 4918 section 9.7.1: 409), or whose way
    // out of the share a link leads.
    static Error no_parent(const Error& e, const std::string& path) {
        if (e.code == Errc::not_found || e.code == Errc::not_a_collection)
            return Error{Errc::conflict, "parent collection missing for " + path};
        return e;
    }

    Result<StagedBody> stage_body(const std::string& path, Source& source) {
        auto staged = open_staging(path);
        if (!staged)
            return tl::unexpected(staged.error());
        // Uninitialised: zero-filling the buffer on every PUT showed up as memset in profiles.
        constexpr std::size_t buf_size = 64 * 1024;
        auto buf = std::make_unique_for_overwrite<std::byte[]>(buf_size);
        for (;;) {
            auto n = source.read({buf.get(), buf_size});
            if (!n)
                return tl::unexpected(n.error());
            if (*n == 0)
                break;
            if (auto ok = write_all(staged->fd.get(), buf.get(), *n); !ok)
                return tl::unexpected(ok.error());
        }
        if (auto ok = seal_staging(*staged, path); !ok)
            return tl::unexpected(ok.error());
        return staged;
    }

    // The file a PUT's body is written to, beside its target, with no name yet.
    Result<StagedBody> open_staging(const std::string& path) {
        if (is_root(path))
            return fail(Errc::is_a_collection, "/");
        // The body goes to a temporary file in the same folder, then is renamed over the
        // target.
        const std::string parent = parent_of(path);
        UniqueFd folder = share_.open(parent, O_PATH | O_DIRECTORY);
        if (!folder)
            return tl::unexpected(no_parent(open_error(errno, parent), path));
        std::string name = temp_name();
        std::string temp_path = full(parent) + "/" + name;
        // An unnamed O_TMPFILE vanishes by itself if the process dies while the body streams
        // in; it gets a (hidden) name only under the lock, after the intent is journalled.
        UniqueFd fd(::openat(folder.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
        bool anonymous = bool(fd);
        // A folder removed since it was opened (a DELETE of the parent racing this PUT) fails
        // with ENOENT or EPERM: the parent is missing (409, RFC 4918 9.7.1).
        auto failed = [&](int err) {
            return folder_removed(folder.get())
                       ? Error{Errc::conflict, "parent collection missing for " + path}
                       : errno_error(err, "create temporary file");
        };
        if (!fd && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return tl::unexpected(failed(errno));
        if (!fd) {
            fd = UniqueFd(::openat(folder.get(), name.c_str(),
                                   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
            if (!fd)
                return tl::unexpected(failed(errno));
        }
        TempFile temp = anonymous ? TempFile() : TempFile(folder.get(), name);
        return StagedBody{std::move(fd),        anonymous,       std::move(folder), std::move(name),
                          std::move(temp_path), std::move(temp), FileInfo{}};
    }

    // The body is all written: its modification time, its sync on a durable store, and what
    // it is (the inode goes into the intent; naming the file later changes neither it nor
    // the etag's other parts, size and mtime).
    Result<void> seal_staging(StagedBody& staged, const std::string& path) {
        if (auto ok = set_precise_mtime(staged.fd.get()); !ok)
            return ok;
        if (durable_ && ::fsync(staged.fd.get()) != 0)
            return tl::unexpected(errno_error(errno, "fsync " + path));
        auto written = file_info(staged.fd.get(), "", AT_EMPTY_PATH);
        if (!written)
            return tl::unexpected(written.error());
        staged.written = *written;
        return {};
    }

    // A put whose pieces go straight into the staged file beside the target, outside the
    // writer lock; finish() names it as put() does.
    class FsPutStream final : public PutStream {
    public:
        FsPutStream(FsStore& store, std::string path, StagedBody staged)
            : store_(store), path_(std::move(path)), staged_(std::move(staged)) {}
        Result<void> write(std::span<const std::byte> piece) override {
            if (auto ok = write_all(staged_.fd.get(), piece.data(), piece.size()); !ok)
                return ok;
            size_ += piece.size();
            return {};
        }
        std::uint64_t size() const override { return size_; }
        Result<PutResult> finish(const PutOptions& options, std::string_view) override {
            if (auto ok = store_.seal_staging(staged_, path_); !ok)
                return tl::unexpected(ok.error());
            auto lock = store_.write_lock();
            return store_.place_put(path_, staged_, options);
        }

    private:
        FsStore& store_;
        std::string path_;
        StagedBody staged_;
        std::uint64_t size_ = 0;
    };

    // Gives a PUT's body its name. A new name gets the anonymous file linked in directly (one
    // directory operation); an existing one is replaced atomically by a rename from the hidden
    // temporary name (where a body without O_TMPFILE was written). On failure that is gone.
    Result<void> place_body(StagedBody& staged, const ShareRoot::At& at, bool exists,
                            const std::string& path) {
        // The folder removed since the body was staged in it (a DELETE of the parent racing
        // this PUT): the parent is missing, as RFC 4918 9.7.1 answers (409).
        auto failed = [&](int err, const std::string& what) {
            return err == ENOENT || folder_removed(staged.folder.get())
                       ? Error{Errc::conflict, "parent collection missing for " + path}
                       : errno_error(err, what);
        };
        if (staged.anonymous) {
            if (!exists) {
                if (link_anonymous(staged.fd.get(), at.dir, at.name))
                    return {};
                if (errno != EEXIST) // EEXIST: created meanwhile by another tool
                    return tl::unexpected(failed(errno, "link into " + path));
            }
            if (!link_anonymous(staged.fd.get(), staged.folder.get(), staged.temp_name))
                return tl::unexpected(failed(errno, "name temporary file for " + path));
        }
        if (::renameat(staged.folder.get(), staged.temp_name.c_str(), at.dir, at.name.c_str()) !=
            0) {
            Error err = failed(errno, "rename into " + path);
            ::unlinkat(staged.folder.get(), staged.temp_name.c_str(), 0);
            return tl::unexpected(std::move(err));
        }
        return {};
    }

    // The media type a PUT records: none for the default (application/octet-stream), which
    // is not stored.
    static std::string_view recorded_type(const PutOptions& options) {
        if (options.content_type == default_content_type)
            return {};
        return options.content_type;
    }

    // A precise mtime (file times are otherwise clock-tick coarse) keeps two quick writes of
    // the same size from sharing an etag.
    static Result<void> set_precise_mtime(int fd) {
        timespec times[2] = {{0, UTIME_OMIT}, {}};
        ::clock_gettime(CLOCK_REALTIME, &times[1]);
        if (::futimens(fd, times) != 0)
            return tl::unexpected(errno_error(errno, "set mtime"));
        return {};
    }

    // A quick PUT of a body in memory, under the writer lock, the way nginx does it: the body
    // goes to a named file in .quire/tmp, which one rename gives its name: with
    // RENAME_NOREPLACE first when the precondition holds for a free name (a taken one refuses
    // it), else over the document there. Measured on a journalled ext4 against the unnamed
    // O_TMPFILE beside the target: no orphan-list updates and no link() through /proc, and a
    // replacement needs no hidden second name in the target's folder. nullopt: not done, the
    // caller takes the usual way (a folder on another file system, EXDEV; a missing parent,
    // whose error that way reports; a full journal).
    std::optional<Result<PutResult>> put_from_side_folder(const std::string& path,
                                                          std::string_view body,
                                                          const PutOptions& options) {
        // A folder on the way missing, or a link out of the share: the usual way says which.
        // Its kept descriptor is not checked first: a removed folder refuses the rename
        // (ENOENT), and the usual way looks again.
        auto where = share_.at(path, ShareRoot::Check::later);
        if (!where)
            return std::nullopt;
        const std::string name = temp_name();
        UniqueFd fd = create_side_temp(name);
        if (!fd)
            return std::nullopt;
        const int side = side_tmp_fd_.get();
        std::string temp; // for the journal's record; one allocation, not one per piece
        temp.reserve(side_tmp_.size() + 1 + name.size());
        temp.append(side_tmp_).append(1, '/').append(name);
        TempFile remove_unless_placed(side, name);
        if (auto ok = write_all(fd.get(), body.data(), body.size()); !ok)
            return Result<PutResult>(tl::unexpected(ok.error()));
        if (auto ok = set_precise_mtime(fd.get()); !ok)
            return Result<PutResult>(tl::unexpected(ok.error()));
        auto written = file_info(fd.get(), "", AT_EMPTY_PATH);
        if (!written)
            return Result<PutResult>(tl::unexpected(written.error()));
        const std::string_view type = recorded_type(options);
        // The record comes before the rename: killed in between, settle_journal_tail() finds
        // the body at its name (done) or not (cancelled), and removes the temporary name.
        auto rename_journalled = [&](bool created, bool replace) -> std::optional<int> {
            auto at = journal_.append({.op = JournalOp::put,
                                       .created = created,
                                       .inode = written->inode,
                                       .path = path,
                                       .type = type,
                                       .staging = temp});
            if (!at)
                return std::nullopt;
            const bool renamed = ::renameat2(side, name.c_str(), where->dir, where->name.c_str(),
                                             replace ? 0 : RENAME_NOREPLACE) == 0;
            const int err = renamed ? 0 : errno;
            journal_.finish(*at, renamed);
            if (renamed)
                remove_unless_placed.release();
            return err;
        };
        if (!taken_names_.likely(path) && check_precondition(options.precondition, std::nullopt)) {
            auto err = rename_journalled(true, false);
            if (!err || (*err != 0 && *err != EEXIST))
                return std::nullopt;
            if (*err == 0)
                return Result<PutResult>(PutResult{etag_of(*written), true});
        }
        auto existing = share_.info_at(*where, path);
        if (!existing)
            return Result<PutResult>(tl::unexpected(existing.error()));
        if (!existing->exists && share_.removed(*where, path))
            return std::nullopt; // the precondition must not see a removed folder's
        taken_names_.seen(path, existing->exists);
        if (existing->directory)
            return Result<PutResult>(fail(Errc::is_a_collection, path));
        std::optional<std::string> etag; // made only for a precondition to compare
        if (existing->exists && !options.precondition.empty())
            etag = etag_of(*existing);
        if (auto ok = check_precondition(options.precondition, etag); !ok)
            return Result<PutResult>(tl::unexpected(ok.error()));
        auto err = rename_journalled(!existing->exists, true);
        if (!err || *err == EXDEV || *err == ENOENT)
            return std::nullopt;
        if (*err != 0)
            return Result<PutResult>(tl::unexpected(errno_error(*err, "rename into " + path)));
        return Result<PutResult>(PutResult{etag_of(*written), !existing->exists});
    }

    // A new file `name` in .quire/tmp (under the writer lock), through the folder's kept
    // descriptor: the quick put's open and rename then resolve one name, not the root's whole
    // path as well (two path walks per PUT). Another process's recover() replaces the folder,
    // and a removed folder takes no new names (ENOENT): then it is opened again. Invalid, with
    // errno set, when the file cannot be made.
    UniqueFd create_side_temp(const std::string& name) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!side_tmp_fd_ || attempt > 0) {
                side_tmp_fd_ =
                    UniqueFd(::open(side_tmp_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
                if (!side_tmp_fd_)
                    return UniqueFd();
            }
            UniqueFd fd(::openat(side_tmp_fd_.get(), name.c_str(),
                                 O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
            if (fd || errno != ENOENT)
                return fd;
        }
        return UniqueFd();
    }

    // Under the writer lock: the precondition, then the body to its name, journalled.
    Result<PutResult> place_put(const std::string& path, StagedBody& staged,
                                const PutOptions& options) {
        const FileInfo& written = staged.written;
        const std::string_view recorded = recorded_type(options);
        // Looked up again under the lock: the folder may have moved since the body came.
        auto where = share_.at(path);
        if (!where)
            return tl::unexpected(no_parent(where.error(), path));
        // Quick, and the precondition holds for a free name: the body is linked to the name at
        // once, without a look first (a PUT to a new name is the common case, and the look, a
        // lookup that misses in the folder, cost as much as the link's own). A taken name,
        // a collection's too, refuses the link with EEXIST; then the usual way below.
        if (quick_ && staged.anonymous && check_precondition(options.precondition, std::nullopt))
            if (auto at = journal_.append({.op = JournalOp::put,
                                           .created = true,
                                           .inode = written.inode,
                                           .path = path,
                                           .type = recorded,
                                           .staging = staged.temp_path})) {
                const bool linked = link_anonymous(staged.fd.get(), where->dir, where->name);
                journal_.finish(*at, linked);
                if (linked)
                    return PutResult{etag_of(written), true};
            }
        auto target = share_.info_at(*where, path);
        if (!target)
            return tl::unexpected(target.error());
        if (target->directory)
            return fail(Errc::is_a_collection, path);
        std::optional<std::string> etag;
        if (target->exists)
            etag = etag_of(*target);
        if (auto ok = check_precondition(options.precondition, etag); !ok)
            return tl::unexpected(ok.error());

        // Quick: the record goes to the journal, the media type to meta.db when it is folded,
        // and only if the body reached its name (settle_journal_tail).
        if (quick_) {
            JournalRecord record{.op = JournalOp::put,
                                 .created = !target->exists,
                                 .inode = written.inode,
                                 .path = path,
                                 .type = recorded,
                                 .staging = staged.temp_path};
            if (auto at = journal_.append(record)) {
                auto placed = place_body(staged, *where, target->exists, path);
                journal_.finish(*at, placed.has_value());
                if (!placed)
                    return tl::unexpected(placed.error());
                staged.temp.release();
                return PutResult{etag_of(written), !target->exists};
            }
        }

        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        meta::Intent intent{0, "put", path, "", staged.temp_path, written.inode};
        if (etag)
            intent.prior_etag = std::move(*etag);
        // The media type changes here, before the body reaches its name: the intent keeps the
        // new body's inode, the old file's etag and the type it replaces, so that settle() can
        // tell after a crash whether the body got there and put the old type back if not.
        auto begun = write_tx(**db, [&]() -> Result<void> {
            if (auto ok = meta::log(**db, path,
                                    target->exists ? ChangeKind::modified : ChangeKind::added);
                !ok)
                return ok;
            intent.seq = (*db)->last_insert_rowid(); // changes.seq is the rowid
            auto id = meta::add_put_intent(**db, intent, content_type_prop);
            if (!id)
                return tl::unexpected(id.error());
            intent.id = *id;
            // A new document: properties still recorded at its path were a document's that
            // another program removed.
            if (!target->exists)
                if (auto ok = meta::drop_props(**db, path); !ok)
                    return ok;
            // The default media type is not stored: a PUT without a type of its own writes
            // two pages less (the props table and its index).
            if (recorded.empty())
                return meta::remove_prop(**db, path, content_type_prop);
            return meta::set_prop(**db, path, content_type_prop, options.content_type);
        });
        if (!begun)
            return tl::unexpected(begun.error());
        if (auto placed = place_body(staged, *where, target->exists, path); !placed) {
            (void)settle(**db, intent);
            return tl::unexpected(placed.error());
        }
        staged.temp.release();
        if (auto ok = sync_folder(parent_of(path)); !ok)
            return tl::unexpected(ok.error());
        done_intents_.push_back(intent.id);
        return PutResult{etag_of(written), !target->exists};
    }

    // The writer lock of the folder, for every thread of every process (folder_lock.hpp).
    // only_if_free: taken only when no one holds it now (held() tells), never waited for.
    class WriteLock {
    public:
        // only_if_free: not held (held() false) when another writer keeps it past `wait`.
        explicit WriteLock(FsStore& store, bool only_if_free = false,
                           std::chrono::microseconds wait = std::chrono::microseconds(0))
            : lock_(store.folder_lock_), cache_(store.cache_) {
            if (only_if_free) {
                if (!lock_.try_lock_for(wait))
                    return;
            } else {
                lock_.lock();
            }
            held_ = true;
            store.settle_journal_tail();
        }
        WriteLock(const WriteLock&) = delete;
        WriteLock& operator=(const WriteLock&) = delete;
        // Whatever the write did is committed (or rolled back) by now: cached media types of
        // every process on this folder become stale.
        ~WriteLock() {
            if (!held_)
                return;
            cache_.bump();
            lock_.unlock();
        }
        bool held() const { return held_; }

    private:
        FolderLock& lock_;
        MetaCache& cache_;
        bool held_ = false;
    };

    WriteLock write_lock() { return WriteLock(*this); }

    // Every write transaction of this store (under the writer lock) first drops the journal
    // rows of operations that finished since the last one: a finished put or mkcol then costs
    // no transaction of its own. A row that a crash leaves behind is settled at the next open,
    // which for a finished operation changes nothing but the change log. Then it folds the
    // quick journal (journal.hpp), which is emptied once that commits.
    template <class F>
    Result<void> write_tx(Db& db, F&& body) {
        auto tx = Transaction::begin(db, Transaction::Kind::write);
        if (!tx)
            return tl::unexpected(tx.error());
        for (auto id : done_intents_)
            if (auto ok = meta::drop_intent(db, id); !ok)
                return ok;
        for (auto& stash : done_stashes_)
            if (auto ok = meta::drop_props(db, stash); !ok)
                return ok;
        const bool folding = !journal_.empty();
        if (folding)
            if (auto ok = apply_journal(db); !ok)
                return ok;
        if (auto ok = body(); !ok)
            return ok;
        if (auto ok = tx->commit(); !ok)
            return ok;
        if (folding)
            journal_.clear();
        done_intents_.clear();
        done_stashes_.clear();
        return {};
    }

    // The quick journal's records into meta.db, in their order, unless this epoch was folded
    // already (by a process killed before it could clear the journal). A cancelled record
    // (its file work failed, or its process died before it) left nothing to record.
    Result<void> apply_journal(Db& db) {
        auto folded = meta::folded_epoch(db);
        if (!folded)
            return tl::unexpected(folded.error());
        const auto epoch = journal_.epoch();
        if (*folded == epoch)
            return {};
        auto records = journal_.records();
        if (!records)
            return tl::unexpected(records.error());
        std::erase_if(*records,
                      [](const JournalRecord& r) { return r.state != JournalState::done; });
        std::vector<Change> log;
        std::vector<std::string_view> paths; // each once: a path is asked about once
        std::unordered_set<std::string_view> seen;
        seen.reserve(2 * records->size());
        auto ask_about = [&](std::string_view path) {
            if (seen.insert(path).second)
                paths.push_back(path);
        };
        for (const auto& record : *records) {
            if (record.op == JournalOp::move) {
                log.push_back({std::string(record.path), ChangeKind::removed});
                log.push_back({std::string(record.to), ChangeKind::added});
                ask_about(record.to);
            } else {
                log.push_back({std::string(record.path),
                               record.created ? ChangeKind::added : ChangeKind::modified});
            }
            ask_about(record.path);
        }
        if (auto ok = meta::log_all(db, first_and_last_per_path(std::move(log))); !ok)
            return ok;
        // Most records touch paths without properties: which do is asked once, then followed
        // through the records (a superset: a path may keep others when its type goes).
        auto with_props = meta::with_props(db, paths);
        if (!with_props)
            return tl::unexpected(with_props.error());
        for (const auto& record : *records)
            if (auto ok = apply_props(db, record, *with_props); !ok)
                return ok;
        return meta::set_folded_epoch(db, epoch);
    }

    // What a finished quick operation does to properties: a move takes the source's along
    // (dropping the destination's), a put sets its media type or removes the one it had.
    Result<void> apply_props(Db& db, const JournalRecord& record,
                             std::unordered_set<std::string>& with_props) {
        const std::string path(record.path);
        if (record.op == JournalOp::move) {
            const std::string to(record.to);
            const bool from_has = with_props.erase(path) > 0;
            const bool to_has = with_props.erase(to) > 0;
            if (from_has)
                with_props.insert(to);
            if (!from_has && !to_has)
                return {};
            return meta::move_props(db, path, to);
        }
        if (record.created && with_props.erase(path) > 0) {
            // A new document: what is recorded at its path was a removed one's (another
            // program removed it behind the store's back).
            if (auto ok = meta::drop_props(db, path); !ok)
                return ok;
        }
        if (!record.type.empty()) {
            with_props.insert(path);
            return meta::set_prop(db, path, content_type_prop, std::string(record.type));
        }
        if (!with_props.contains(path))
            return {};
        return meta::remove_prop(db, path, content_type_prop);
    }

    // Readers of meta.db (properties, the change log) fold the quick journal first: what it
    // holds is not in meta.db yet. The fold's write lock bumps the generation, so a reader that
    // read the generation before folding does not cache what it reads now.
    // A reader's fold. When the fold cannot commit (a full disk, a file system turned
    // read-only after an error, a journal that no longer reads) the reader reads meta.db as it
    // is: what the journal holds shows once a fold succeeds (a media type or a moved
    // document's properties a little late, its changes in the change log with later numbers),
    // so that reads go on working while writes are refused with the fold's error, and no
    // listing comes back empty.
    void fold_journal_for_reading() { (void)fold_journal(); }

    Result<void> fold_journal() {
        if (journal_.empty())
            return {};
        auto lock = write_lock();
        if (journal_.empty())
            return {};
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        return write_tx(**db, [] { return Result<void>{}; });
    }

    // Run by every taker of the writer lock: a quick record still pending is the last one, and
    // its process died between appending it and finishing it. What is on disk tells whether
    // its rename (or link) happened.
    void settle_journal_tail() {
        auto tail = journal_.pending_tail();
        if (!tail)
            return;
        const std::uint32_t at = tail->first;
        const JournalRecord& record = tail->second;  // not a structured binding: clang 14
        auto holds_it = [&](std::string_view path) { // cannot capture those
            auto info = share_.info(std::string(path));
            return info && info->exists && info->inode == record.inode;
        };
        bool done = false;
        if (record.op == JournalOp::move) {
            done = holds_it(record.to) || !holds_it(record.path);
        } else {
            done = holds_it(record.path);
            if (!record.staging.empty())
                ::unlink(std::string(record.staging).c_str());
        }
        journal_.finish(at, done);
    }

    // A folder of the share made durable (its entries), when the store is.
    Result<void> sync_folder(const std::string& folder) const {
        if (!durable_)
            return {};
        UniqueFd fd = share_.open(folder, O_RDONLY | O_DIRECTORY);
        if (!fd)
            return tl::unexpected(open_error(errno, folder));
        if (::fsync(fd.get()) != 0)
            return tl::unexpected(errno_error(errno, "fsync folder " + folder));
        return {};
    }

    // Renames of store paths in recovery, each end resolved beneath the root.
    bool rename_paths(const std::string& from, const std::string& to) {
        auto ends = share_.at_both(from, to);
        return ends && ::renameat(ends->first.dir, ends->first.name.c_str(), ends->second.dir,
                                  ends->second.name.c_str()) == 0;
    }
    // `file` (in Quire's own folders) to a store path.
    bool rename_into(const std::string& file, const std::string& to) {
        auto at = share_.at(to);
        return at && ::renameat(AT_FDCWD, file.c_str(), at->dir, at->name.c_str()) == 0;
    }

    std::string full(const std::string& path) const { return is_root(path) ? root_ : root_ + path; }

    static std::string content_type_from(const std::vector<Property>& props) {
        for (auto& p : props)
            if (p.name == content_type_prop)
                return p.value;
        return std::string(default_content_type);
    }

    static std::vector<Property> dead_only(std::vector<Property> props) {
        std::erase_if(props, [](const Property& p) { return p.name.ns == internal_ns; });
        return props;
    }

    Result<void> must_be_collection(const std::string& path) {
        auto info = share_.info(path);
        if (!info)
            return tl::unexpected(info.error());
        if (!info->exists)
            return fail(Errc::not_found, path);
        if (!info->directory)
            return fail(Errc::not_a_collection, path);
        return {};
    }

    // RFC 4918 9.3.1 / 9.8.5: the parent must be an existing collection (409 otherwise).
    Result<void> check_parent(const std::string& path) {
        auto parent = share_.info(parent_of(path));
        if (!parent)
            return tl::unexpected(parent.error());
        if (!parent->exists || !parent->directory)
            return fail(Errc::conflict, "parent collection missing for " + path);
        return {};
    }

    // `path` and, for a folder, every path below it.
    Result<std::vector<WalkedPath>> subtree(const std::string& path, const FileInfo& info) {
        std::vector<WalkedPath> out{{path, info.directory}};
        if (info.directory) {
            auto below = walk(root_, path);
            if (!below)
                return tl::unexpected(below.error());
            out.insert(out.end(), below->begin(), below->end());
        }
        return out;
    }

    // Journals the intent and logs its changes in one transaction, before any file moves: a
    // crash then leaves a change logged that may not have happened (harmless, and settled at
    // the next open), never a change that happened unlogged.
    // `also` runs last in the same transaction.
    template <class F>
    Result<void> begin_intent(Db& db, meta::Intent& intent, const std::vector<Change>& log,
                              F&& also) {
        return write_tx(db, [&]() -> Result<void> {
            for (auto& c : log)
                if (auto ok = meta::log(db, c.path, c.kind, c.collection); !ok)
                    return ok;
            auto seq = meta::current_seq(db);
            if (!seq)
                return tl::unexpected(seq.error());
            intent.seq = *seq;
            auto id = meta::add_intent(db, intent);
            if (!id)
                return tl::unexpected(id.error());
            intent.id = *id;
            return also();
        });
    }

    Result<void> begin_intent(Db& db, meta::Intent& intent, const std::vector<Change>& log) {
        return begin_intent(db, intent, log, [] { return Result<void>{}; });
    }

    // Where a move1 keeps the properties of the destination it replaces until it is settled:
    // no normalised path starts with "//", so no store path can collide with it.
    static std::string stash_of(const meta::Intent& intent) {
        return "//trash/" + std::string(name_of(intent.staging));
    }

    // The metadata half of an operation whose file half is done; then the trash is emptied.
    Result<void> finish(Db& db, const meta::Intent& intent) {
        auto ok = write_tx(db, [&]() -> Result<void> {
            Result<void> fixed;
            if (intent.op == "remove")
                fixed = meta::drop_props(db, intent.from);
            else if (intent.op == "move")
                fixed = meta::move_props(db, intent.from, intent.to);
            else if (intent.op == "copy")
                fixed = meta::copy_props(db, intent.from, intent.to, intent.staging.back() == 'R');
            if (!fixed)
                return fixed;
            return meta::drop_intent(db, intent.id);
        });
        if (intent.op == "remove" || intent.op == "move")
            remove_tree_quietly(intent.staging);
        if (intent.op == "copy")
            remove_tree_quietly(trash_ + "/" + staging_name(intent));
        return ok;
    }

    // The trash entry of the destination a copy replaced: its staging name without the copy
    // suffix (copies made before the suffix was used were staged under the entry's own name).
    static std::string staging_name(const meta::Intent& intent) {
        std::string staged = intent.staging.substr(0, intent.staging.size() - 1);
        std::string_view name = name_of(staged);
        if (name.ends_with(copy_suffix))
            name.remove_suffix(copy_suffix.size());
        return std::string(name);
    }

    // Whether two folders are on one file system, so that a rename can go from one to the
    // other (else EXDEV).
    static bool same_file_system(int a, int b) {
        struct stat sa {};
        struct stat sb {};
        return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev;
    }

    bool exists(const std::string& path) {
        auto info = share_.info(path);
        return info && info->exists;
    }

    bool exists_raw(const std::string& file) { return ::access(file.c_str(), F_OK) == 0; }

    // Logs the state a path is really in: after a crash or a failed step the journal may have
    // logged a change that did not happen.
    Result<void> relog(Db& db, const std::string& path) {
        auto info = share_.info(path);
        if (!info)
            return tl::unexpected(info.error());
        if (!info->exists)
            return meta::log(db, path, ChangeKind::removed);
        auto paths = subtree(path, *info);
        if (!paths)
            return tl::unexpected(paths.error());
        for (auto& p : *paths)
            if (auto ok = meta::log(db, p.path, ChangeKind::modified, p.directory); !ok)
                return ok;
        return {};
    }

    // Brings an interrupted operation to a consistent end (run under the writer lock). Changes
    // logged after the operation's own and up to `upto` were made by later operations.
    Result<void> settle(Db& db, meta::Intent intent, std::int64_t upto = 0) {
        if (intent.op == "move1")
            return settle_move(db, intent, upto);
        bool restore_type = false;
        if (intent.op == "put") {
            ::unlink(intent.staging.c_str());
            auto undone = put_undone(db, intent, upto);
            if (!undone)
                return tl::unexpected(undone.error());
            restore_type = *undone;
        } else if (intent.op == "remove") {
            if (exists(intent.from))
                intent.op = "undone";
        } else if (intent.op == "move") {
            bool from = exists(intent.from), to = exists(intent.to);
            if (from && !to) {
                // The old destination went to the trash; finish the move.
                if (!rename_paths(intent.from, intent.to)) {
                    // Put the old destination back rather than lose it with the trash.
                    (void)rename_into(intent.staging, intent.to);
                    intent.op = "undone";
                }
            } else if (from && to) {
                intent.op = "undone";
            }
        } else if (intent.op == "copy") {
            std::string staged = intent.staging.substr(0, intent.staging.size() - 1);
            if (exists_raw(staged)) {
                if (!exists(intent.to) && rename_into(staged, intent.to)) {
                    // finished below
                } else {
                    remove_tree_quietly(staged);
                    intent.op = "undone";
                }
            }
        }
        auto ok = write_tx(db, [&]() -> Result<void> {
            if (restore_type)
                if (auto r = restore_prior_type(db, intent); !r)
                    return r;
            if (auto r = relog(db, intent.from); !r)
                return r;
            if (!intent.to.empty())
                if (auto r = relog(db, intent.to); !r)
                    return r;
            return {};
        });
        if (!ok)
            return ok;
        if (intent.op == "undone" || intent.op == "put" || intent.op == "mkcol") {
            if (intent.op == "undone" && intent.staging.size() > 1 &&
                intent.staging.starts_with(trash_))
                remove_tree_quietly(intent.staging);
            return write_tx(db, [&] { return meta::drop_intent(db, intent.id); });
        }
        return finish(db, intent);
    }

    // Whether a put's media type must be put back: the path still holds what it held before
    // the put (its file, or no file). Not when the new body reached its name (the path has
    // its inode), nor when an operation logged after the put owns the path now (as in
    // settle_move), nor when the file was replaced behind Quire's back. Intents written
    // before schema 4 carry no inode: their type stays, as it always did.
    Result<bool> put_undone(Db& db, const meta::Intent& intent, std::int64_t upto) {
        if (intent.inode == 0)
            return false;
        auto target = share_.info(intent.from);
        if (!target)
            return tl::unexpected(target.error());
        if (target->exists && target->inode == intent.inode)
            return false;
        if (upto > intent.seq) {
            auto later = meta::changed_between(db, intent.seq, upto, intent.from);
            if (!later)
                return tl::unexpected(later.error());
            if (*later)
                return false;
        }
        // The etag, not the inode alone: the old file's inode is free for reuse once the new
        // body replaced it.
        return !target->exists || etag_of(*target) == intent.prior_etag;
    }

    // The body in place is the one from before the put: so is its media type. A name that
    // does not exist keeps none.
    Result<void> restore_prior_type(Db& db, const meta::Intent& intent) {
        if (intent.prior && exists(intent.from))
            return meta::set_prop(db, intent.from, content_type_prop, *intent.prior);
        return meta::remove_prop(db, intent.from, content_type_prop);
    }

    // A move1 journalled its intent and moved the properties (the destination's to the stash)
    // in one transaction, before the renames. Whether the rename of the source happened is
    // told by its inode, not by names alone: after a finished move whose row was still waiting
    // for its lazy drop, another process may have made a new `from`, or moved the file back
    // (which the change log shows).
    Result<void> settle_move(Db& db, const meta::Intent& intent, std::int64_t upto) {
        auto src = share_.info(intent.from);
        if (!src)
            return tl::unexpected(src.error());
        auto dst = share_.info(intent.to);
        if (!dst)
            return tl::unexpected(dst.error());
        bool at_from = src->exists && src->inode == intent.inode;
        bool at_to = dst->exists && dst->inode == intent.inode;
        bool done = at_to || !at_from;
        if (!done && upto > intent.seq) {
            for (auto* path : {&intent.from, &intent.to}) {
                auto later = meta::changed_between(db, intent.seq, upto, *path);
                if (!later)
                    return tl::unexpected(later.error());
                done = done || *later;
            }
        }
        // Not renamed yet and the old destination out of the way: finish the move, which the
        // properties and the log already describe.
        if (!done && !dst->exists && rename_paths(intent.from, intent.to)) {
            done = true;
            if (auto ok = sync_moved(intent.from, intent.to); !ok)
                return ok;
        }
        std::string stash = stash_of(intent);
        if (done) {
            auto ok = write_tx(db, [&]() -> Result<void> {
                if (auto r = meta::drop_props(db, stash); !r)
                    return r;
                return meta::drop_intent(db, intent.id);
            });
            remove_tree_quietly(intent.staging);
            return ok;
        }
        // Undo: the old destination comes back from the trash, the properties go back.
        if (!dst->exists && exists_raw(intent.staging) && rename_into(intent.staging, intent.to))
            if (auto ok = sync_folder(parent_of(intent.to)); !ok)
                return ok;
        auto ok = write_tx(db, [&]() -> Result<void> {
            if (auto r = meta::move_props(db, intent.to, intent.from); !r)
                return r;
            if (auto r = meta::move_props(db, stash, intent.to); !r)
                return r;
            if (auto r = relog(db, intent.from); !r)
                return r;
            if (auto r = relog(db, intent.to); !r)
                return r;
            return meta::drop_intent(db, intent.id);
        });
        if (ok)
            remove_tree_quietly(intent.staging);
        return ok;
    }

    struct Ends {
        FileInfo src;
        FileInfo dst;
        std::pair<ShareRoot::At, ShareRoot::At> at; // where each lives
    };

    // Under the writer lock, before a copy or move: the source exists, the destination does
    // not unless overwrite, and its parent is a collection.
    Result<Ends> check_ends(const std::string& from, const std::string& to, bool overwrite) {
        // Each folder is resolved once (FolderCache); a folder missing on the way means a
        // missing source (404) or a missing destination parent (409, check_parent below).
        auto from_at = share_.at(from);
        if (!from_at)
            return tl::unexpected(from_at.error().code == Errc::forbidden
                                      ? from_at.error()
                                      : Error{Errc::not_found, from});
        auto src = share_.info_at(*from_at, from);
        if (!src)
            return tl::unexpected(src.error());
        if (!src->exists)
            return fail(Errc::not_found, from);
        const bool same_folder = parent_of(to) == parent_of(from);
        if (!same_folder)
            if (auto ok = check_parent(to); !ok)
                return tl::unexpected(ok.error());
        ShareRoot::At to_at;
        if (same_folder) {
            to_at = ShareRoot::sibling(*from_at, to);
        } else {
            auto found = share_.at(to);
            if (!found)
                return tl::unexpected(no_parent(found.error(), to));
            to_at = std::move(*found);
        }
        auto dst = share_.info_at(to_at, to);
        if (!dst)
            return tl::unexpected(dst.error());
        if (dst->exists && !overwrite)
            return fail(Errc::precondition_failed, to + " exists and Overwrite is F");
        return Ends{*src, *dst, {std::move(*from_at), std::move(to_at)}};
    }

    // plain: the destination was seen free. unless_taken: it was not looked at, and the
    // rename must not replace it (renameat2 RENAME_NOREPLACE, which saves a statx).
    enum class Rename { plain, unless_taken };

    // The quick move (under the writer lock, a document to a free name): one rename, recorded
    // in the journal; its properties follow when it is folded. nullopt: not done, the full
    // move must do it (the journal is full, or an unless_taken rename was refused).
    std::optional<Result<bool>> journal_move(const std::string& from, const std::string& to,
                                             const std::pair<ShareRoot::At, ShareRoot::At>& ends,
                                             std::uint64_t inode, Rename how) {
        auto at = journal_.append({.op = JournalOp::move, .inode = inode, .path = from, .to = to});
        if (!at)
            return std::nullopt;
        const auto& [source, target] = ends;
        const bool renamed =
            ::renameat2(source.dir, source.name.c_str(), target.dir, target.name.c_str(),
                        how == Rename::plain ? 0 : RENAME_NOREPLACE) == 0;
        const int err = errno;
        journal_.finish(*at, renamed);
        if (renamed)
            return Result<bool>(true);
        if (how == Rename::plain)
            return Result<bool>(tl::unexpected(errno_error(err, "rename onto " + to)));
        // A file system without the flag: check first from now on.
        if (err == EINVAL || err == ENOSYS)
            noreplace_refused_.store(true, std::memory_order_relaxed);
        return std::nullopt;
    }

    // After a rename from `from` to `to`: both folders' entries are made durable.
    Result<void> sync_moved(const std::string& from, const std::string& to) {
        if (auto ok = sync_folder(parent_of(to)); !ok)
            return ok;
        if (parent_of(from) != parent_of(to))
            return sync_folder(parent_of(from));
        return {};
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
        auto lock = write_lock();
        auto ends = check_ends(*from, *to, overwrite);
        if (!ends)
            return tl::unexpected(ends.error());
        const FileInfo& src = ends->src;
        const FileInfo& dst = ends->dst;
        bool recursive = depth == Depth::infinity;

        const auto& [from_at, to_at] = ends->at;
        if (quick_ && is_move && !src.directory && !dst.exists)
            if (auto moved = journal_move(*from, *to, ends->at, src.inode, Rename::plain))
                return *moved;

        std::vector<Change> log;
        if (dst.exists) {
            auto old = subtree(*to, dst);
            if (!old)
                return tl::unexpected(old.error());
            for (auto& p : *old)
                log.push_back({p.path, ChangeKind::removed, p.directory});
        }
        std::vector<WalkedPath> moved{{*from, src.directory}};
        if (src.directory && recursive) {
            auto below = subtree(*from, src);
            if (!below)
                return tl::unexpected(below.error());
            moved = std::move(*below);
        }
        for (auto& p : moved) {
            if (is_move)
                log.push_back({p.path, ChangeKind::removed, p.directory});
            log.push_back({*to + p.path.substr(from->size()), ChangeKind::added, p.directory});
        }

        std::string trash_entry = temp_name();
        meta::Intent intent{0,   is_move ? "move1" : "copy", *from,
                            *to, trash_ + "/" + trash_entry, is_move ? src.inode : 0};
        std::string staged;
        UniqueFd staging_folder;
        std::string staging_entry;
        if (!is_move) {
            // A copy is built under a hidden name and renamed into place, so that readers
            // never see a half-copied tree. It is built in the trash, which every open of the
            // store empties, so a process killed while it copies leaves nothing behind; beside
            // the destination only when that is on another file system (a mount inside the
            // share), where no rename from the trash reaches. The staging field carries that
            // name and the depth ('R' recursive, '0' not).
            staging_entry = trash_entry + std::string(copy_suffix);
            staging_folder = UniqueFd(::open(trash_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!staging_folder)
                return tl::unexpected(errno_error(errno, "open " + trash_));
            if (same_file_system(staging_folder.get(), to_at.dir)) {
                staged = trash_ + "/" + staging_entry;
            } else {
                staging_folder = UniqueFd(::fcntl(to_at.dir, F_DUPFD_CLOEXEC, 0));
                if (!staging_folder)
                    return tl::unexpected(errno_error(errno, "open " + parent_of(*to)));
                staged = full(parent_of(*to)) + "/" + staging_entry;
            }
            if (auto ok = copy_tree(share_, *from, staging_folder.get(), staging_entry, recursive);
                !ok) {
                remove_tree_quietly(staged);
                return tl::unexpected(ok.error());
            }
            intent.staging = staged + (recursive ? "R" : "0");
        }
        auto db = pool_.acquire();
        if (!db)
            return tl::unexpected(db.error());
        // A move moves the properties in the journal's transaction (one transaction in all);
        // settle() can undo that. A copy copies them after the rename, in finish().
        auto begun = begin_intent(**db, intent, log, [&]() -> Result<void> {
            if (!is_move)
                return {};
            if (dst.exists)
                if (auto ok = meta::move_props(**db, *to, stash_of(intent)); !ok)
                    return ok;
            return meta::move_props(**db, *from, *to);
        });
        if (!begun) {
            if (!staged.empty())
                remove_tree_quietly(staged);
            return tl::unexpected(begun.error());
        }
        std::string trash_path = trash_ + "/" + trash_entry;
        FolderChange changed(share_, (is_move && src.directory) || dst.directory);
        if (dst.exists &&
            ::renameat(to_at.dir, to_at.name.c_str(), AT_FDCWD, trash_path.c_str()) != 0) {
            Error err = errno_error(errno, "replace " + *to);
            (void)settle(**db, intent);
            return tl::unexpected(std::move(err));
        }
        // rename(2) moves a whole tree at once: the collection move is atomic.
        const bool renamed = is_move ? ::renameat(from_at.dir, from_at.name.c_str(), to_at.dir,
                                                  to_at.name.c_str()) == 0
                                     : ::renameat(staging_folder.get(), staging_entry.c_str(),
                                                  to_at.dir, to_at.name.c_str()) == 0;
        if (!renamed) {
            Error err = errno_error(errno, "rename onto " + *to);
            (void)settle(**db, intent);
            return tl::unexpected(std::move(err));
        }
        if (is_move) {
            if (auto ok = sync_moved(*from, *to); !ok)
                return tl::unexpected(ok.error());
            if (dst.exists)
                remove_tree_quietly(trash_path);
            // The row and the stashed properties go with the next write transaction.
            done_intents_.push_back(intent.id);
            if (dst.exists)
                done_stashes_.push_back(stash_of(intent));
            return !dst.exists;
        }
        if (auto ok = sync_folder(parent_of(*to)); !ok)
            return tl::unexpected(ok.error());
        if (auto ok = finish(**db, intent); !ok)
            return tl::unexpected(ok.error());
        return !dst.exists;
    }

    std::string root_;
    ShareRoot share_; // every path of the share is resolved through it, never beyond the root
    std::string trash_;
    // Quick PUTs' bodies before their rename (put_from_side_folder); used only under the writer
    // lock, so whatever recover() finds there was left by a process that died.
    std::string side_tmp_;
    UniqueFd side_tmp_fd_; // create_side_temp(), under the writer lock
    std::string store_id_;
    FolderLock folder_lock_;
    MetaCache cache_;
    Journal journal_;
    bool durable_;
    bool quick_;     // not durable: puts and moves of documents to free names use journal_
    bool read_only_; // opened by Options::read_only: writes nothing (its writes are never called)
    std::atomic<bool> noreplace_refused_{false}; // renameat2 RENAME_NOREPLACE gave EINVAL
    TakenNames taken_names_;                     // for put_from_side_folder, under the writer lock
    // Journal rows of finished operations, dropped by the next write_tx (guarded by the
    // writer lock). Ids are never reused (AUTOINCREMENT), so a row another process settled
    // and dropped meanwhile cannot be mistaken for a newer one.
    std::vector<std::int64_t> done_intents_;
    std::vector<std::string> done_stashes_; // properties of destinations a move replaced
    Pool pool_;
    SpaceReserve reserve_;
};

} // namespace

namespace {

// A read-only open (Options::read_only): nothing is made or changed in the folder.
Result<std::unique_ptr<Store>> open_read_only(const std::string& root, const Options& options) {
    const std::string meta_dir = root + "/.quire";
    const std::string meta_file = meta_dir + "/meta.db";
    struct stat st {};
    std::string meta_db = ":memory:"; // no metadata yet: no dead properties, an empty log
    sqlite::OpenMode mode = sqlite::OpenMode::read_write;
    if (::stat(meta_file.c_str(), &st) == 0) {
        auto uri = sqlite::read_only_uri(meta_file);
        if (!uri)
            return tl::unexpected(uri.error());
        meta_db = *uri;
        mode = sqlite::OpenMode::read_only;
    }
    auto db = Db::open(meta_db, mode);
    if (!db)
        return tl::unexpected(db.error());
    if (auto ok = meta::configure(*db, options.durable); !ok)
        return tl::unexpected(ok.error());
    if (auto ok =
            mode == sqlite::OpenMode::read_only ? meta::check_schema(*db) : meta::migrate(*db);
        !ok)
        return tl::unexpected(Error{ok.error().code, meta_file + ": " + ok.error().message});
    auto id = meta::store_id(*db);
    if (!id)
        return tl::unexpected(id.error());
    if (options.note && Journal::has_records(meta_dir + "/journal"))
        options.note(meta_dir + "/journal holds changes not yet folded into meta.db (a share "
                                "written with durable = false and not closed since): opened "
                                "read-only, their media types and dead properties are not "
                                "shown until a writable open folds them");
    auto folder_lock = FolderLock::open_private();
    if (!folder_lock)
        return tl::unexpected(folder_lock.error());
    UniqueFd generation = private_file("quire-folders");
    if (!generation)
        return tl::unexpected(errno_error(errno, "memfd_create (the folder counter)"));
    auto share =
        ShareRoot::open(root, !options.follow_symlinks,
                        std::make_unique<FolderCache>(std::move(generation), options.cache_ttl));
    if (!share)
        return tl::unexpected(share.error());
    return std::unique_ptr<Store>(std::make_unique<FsStore>(
        root, std::move(*share), *id, std::move(*folder_lock), Journal(), options.durable,
        options.cache_ttl, std::move(meta_db), mode, true));
}

} // namespace

Result<std::unique_ptr<Store>> open(const std::string& root_in, Options options) {
    std::string root = root_in;
    while (root.size() > 1 && root.back() == '/')
        root.pop_back();
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(Errc::not_found, "fs store root " + root + " is not a directory");
    if (options.read_only)
        return open_read_only(root, options);
    std::string meta_dir = root + "/.quire";
    if (::mkdir(meta_dir.c_str(), 0700) != 0 && errno != EEXIST)
        return tl::unexpected(errno_error(errno, "mkdir " + meta_dir));
    auto folder_lock = FolderLock::open(meta_dir + "/lock");
    if (!folder_lock)
        return tl::unexpected(folder_lock.error());
    auto db = Db::open(meta_dir + "/meta.db");
    if (!db)
        return tl::unexpected(db.error());
    if (auto ok = meta::configure(*db, options.durable); !ok)
        return tl::unexpected(ok.error());
    if (auto ok = meta::migrate(*db); !ok)
        return tl::unexpected(ok.error());
    auto id = meta::store_id(*db);
    if (!id)
        return tl::unexpected(id.error());
    folder_lock->lock(); // two processes must not both create the journal
    auto journal = Journal::open(meta_dir + "/journal");
    folder_lock->unlock();
    if (!journal)
        return tl::unexpected(journal.error());
    auto share =
        ShareRoot::open(root, !options.follow_symlinks,
                        std::make_unique<FolderCache>(meta_dir + "/folders", options.cache_ttl));
    if (!share)
        return tl::unexpected(share.error());
    auto store = std::make_unique<FsStore>(
        root, std::move(*share), *id, std::move(*folder_lock), std::move(*journal), options.durable,
        options.cache_ttl, meta_dir + "/meta.db", sqlite::OpenMode::read_write, false);
    if (auto ok = store->start(); !ok)
        return tl::unexpected(ok.error());
    return std::unique_ptr<Store>(std::move(store));
}

} // namespace quire::storage::fs
