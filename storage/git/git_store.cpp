#include "git_store.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <fcntl.h>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "../common.hpp"
#include "../path.hpp"
#include "../read_cache.hpp"
#include "../space_reserve.hpp"
#include "handles.hpp"
#include "loose_objects.hpp"
#include "sidecar.hpp"
#include "tree_edit.hpp"

namespace quire::storage::git {

namespace {

const PropName content_type_prop{std::string(internal_ns), "getcontenttype"};
const PropName modified_prop{std::string(internal_ns), "modified"};
const PropName created_prop{std::string(internal_ns), "created"};

std::string hex(const git_oid& id) {
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, &id);
    return buf;
}

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

Clock::time_point from_ns(std::int64_t ns) {
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

// "/a/b" -> "a/b" (tree-relative); "/" -> "".
std::string rel(std::string_view path) {
    return std::string(path.substr(1));
}

std::vector<std::string> split(std::string_view rel_path) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= rel_path.size()) {
        auto end = rel_path.find('/', pos);
        if (end == std::string_view::npos)
            end = rel_path.size();
        out.emplace_back(rel_path.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

// Where the properties of `path` live in the tree (tree-relative).
std::string sidecar_of(const std::string& path, bool collection) {
    if (collection)
        return is_root(path) ? std::string(dir_props_name)
                             : rel(path) + "/" + std::string(dir_props_name);
    std::string parent = parent_of(path);
    std::string dir = is_root(parent) ? "" : rel(parent) + "/";
    return dir + std::string(doc_props_prefix) + std::string(name_of(path));
}

std::optional<std::string> find_prop(const std::vector<Property>& props, const PropName& name) {
    for (auto& p : props)
        if (p.name == name)
            return p.value;
    return std::nullopt;
}

void set_prop(std::vector<Property>& props, const PropName& name, std::optional<std::string> v) {
    std::erase_if(props, [&](const Property& p) { return p.name == name; });
    if (v)
        props.push_back({name, std::move(*v)});
}

std::vector<Property> dead_only(std::vector<Property> props) {
    std::erase_if(props, [](const Property& p) { return p.name.ns == internal_ns; });
    return props;
}

std::string sanitise(std::string_view actor) {
    std::string out;
    for (char c : actor)
        if (c != '<' && c != '>' && c != '\n' && c != '\0')
            out += c;
    return out.empty() ? "anonymous" : out;
}

// One consistent view: the branch's commit at one moment, and its tree.
struct Snapshot {
    std::optional<git_oid> commit_id;
    CommitPtr commit;
    TreePtr tree; // null for an unborn branch (an empty store)
    Clock::time_point time{};
};

class RepoPool {
public:
    explicit RepoPool(std::string dir) : dir_(std::move(dir)) {}

    class Lease {
    public:
        Lease(RepoPool* pool, RepoPtr repo) : pool_(pool), repo_(std::move(repo)) {}
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() {
            if (repo_) {
                std::lock_guard lock(pool_->mutex_);
                pool_->idle_.push_back(std::move(repo_));
            }
        }
        git_repository* get() const { return repo_.get(); }

    private:
        RepoPool* pool_;
        RepoPtr repo_;
    };

    // libgit2 handles are not shared between threads at once: each call leases its own.
    Result<Lease> acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                RepoPtr repo = std::move(idle_.back());
                idle_.pop_back();
                return Lease(this, std::move(repo));
            }
        }
        git_repository* raw = nullptr;
        if (int rc = git_repository_open_bare(&raw, dir_.c_str()); rc < 0)
            return tl::unexpected(git_error(rc, "open repository " + dir_));
        return Lease(this, RepoPtr(raw));
    }

private:
    std::string dir_;
    std::mutex mutex_;
    std::vector<RepoPtr> idle_;
};

// A document too large for the read cache: its blob is inflated only when the body is read,
// so that opening it is cheap (and the caller may read it on another thread).
class LazyBlobBody final : public Body {
public:
    LazyBlobBody(RepoPool::Lease repo, const git_oid& id, std::uint64_t size, LooseObjects& loose)
        : repo_(std::move(repo)), id_(id), size_(size), loose_(loose) {}
    std::uint64_t length() const override { return size_; }
    Result<std::size_t> read(std::span<std::byte> buf) override {
        if (!bytes_) {
            if (auto whole = loose_.check(id_); !whole)
                return tl::unexpected(whole.error());
            git_blob* raw = nullptr;
            if (int rc = git_blob_lookup(&raw, repo_.get(), &id_); rc < 0)
                return tl::unexpected(git_error(rc, "read blob"));
            BlobPtr blob(raw);
            bytes_.emplace(std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                       static_cast<std::size_t>(git_blob_rawsize(blob.get()))));
        }
        return bytes_->read(buf);
    }

private:
    RepoPool::Lease repo_;
    git_oid id_;
    std::uint64_t size_;
    LooseObjects& loose_;
    std::optional<MemoryBody> bytes_;
};

// A blob being written from a Source through libgit2's streaming writer.
Result<git_oid> write_blob(git_repository* repo, Source& source) {
    git_writestream* stream = nullptr;
    if (int rc = git_blob_create_from_stream(&stream, repo, nullptr); rc < 0)
        return tl::unexpected(git_error(rc, "open blob stream"));
    struct Guard {
        git_writestream* s;
        ~Guard() {
            if (s)
                s->free(s);
        }
    } guard{stream};
    std::vector<std::byte> buf(256 * 1024);
    for (;;) {
        auto n = source.read(buf);
        if (!n)
            return tl::unexpected(n.error());
        if (*n == 0)
            break;
        if (int rc = stream->write(stream, reinterpret_cast<const char*>(buf.data()), *n); rc < 0)
            return tl::unexpected(git_error(rc, "write blob"));
    }
    git_oid id;
    guard.s = nullptr; // commit frees the stream, also on failure
    if (int rc = git_blob_create_from_stream_commit(&id, stream); rc < 0)
        return tl::unexpected(git_error(rc, "store blob"));
    return id;
}

Result<git_oid> write_buffer(git_repository* repo, std::string_view data) {
    git_oid id;
    if (int rc = git_blob_create_from_buffer(&id, repo, data.data(), data.size()); rc < 0)
        return tl::unexpected(git_error(rc, "write blob"));
    return id;
}

class GitStore final : public Store {
public:
    GitStore(std::string dir, Options options, UniqueFd lock_fd)
        : dir_(std::move(dir)), ref_name_("refs/heads/" + options.branch),
          lock_fd_(std::move(lock_fd)), read_only_(options.read_only), pool_(dir_) {}

    Capabilities capabilities() const override {
        // fast_reads: metadata comes from trees (libgit2 caches objects) and the read cache;
        // a large blob is inflated only when its body is read (LazyBlobBody).
        return {.history = true,
                .content_addressed_etags = true,
                .file_bodies = false,
                .fast_reads = true};
    }

    Result<Meta> stat(std::string_view raw) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        if (auto hit = cache_.document(at->path, at->version))
            return std::move(hit->meta);
        auto found = find_with_props(*at);
        if (!found)
            return tl::unexpected(found.error());
        OdbPtr odb = open_odb(at->repo.get());
        Meta meta = meta_of(odb.get(), at->path, found->item, found->props, found->snap);
        cache_.put_document(at->path, {meta, nullptr}, at->version);
        return meta;
    }

    Result<Opened> open_document(std::string_view raw) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        const auto& path = at->path;
        const auto& v = at->version;
        if (auto hit = cache_.document(path, v); hit && (hit->meta.collection || hit->body)) {
            Opened out{std::move(hit->meta), nullptr};
            if (hit->body)
                out.body = std::make_unique<SharedMemoryBody>(hit->body, 0, hit->body->size());
            return out;
        }
        auto found = find_with_props(*at);
        if (!found)
            return tl::unexpected(found.error());
        OdbPtr odb = open_odb(at->repo.get());
        Opened out{meta_of(odb.get(), path, found->item, found->props, found->snap), nullptr};
        if (found->item.mode == GIT_FILEMODE_TREE) {
            cache_.put_document(path, {out.meta, nullptr}, v);
            return out;
        }
        // Meta and bytes both come from the commit `id`: one version.
        if (cache_.room_for(out.meta.size)) {
            auto data = read_blob(at->repo.get(), found->item.id);
            if (!data)
                return tl::unexpected(data.error());
            auto shared = std::make_shared<const std::string>(std::move(*data));
            cache_.put_document(path, {out.meta, shared}, v);
            out.body = std::make_unique<SharedMemoryBody>(shared, 0, shared->size());
            return out;
        }
        cache_.put_document(path, {out.meta, nullptr}, v);
        out.body = std::make_unique<LazyBlobBody>(std::move(at->repo), found->item.id,
                                                  out.meta.size, *loose_);
        return out;
    }

    Result<std::vector<Meta>> list(std::string_view raw, ListOptions options) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        const auto& path = at->path;
        const auto& v = at->version;
        if (auto hit = cache_.listing(path, options.with_props, v)) {
            std::vector<Meta> out(*hit);
            if (!options.with_props)
                for (auto& m : out)
                    m.props.clear(); // the cached listing may have been read with them
            return out;
        }
        auto snap = snapshot_of(at->repo.get(), at->id);
        if (!snap)
            return tl::unexpected(snap.error());
        auto out = list_at(at->repo.get(), *snap, path, options);
        if (out)
            cache_.put_listing(path, std::make_shared<const std::vector<Meta>>(*out),
                               options.with_props, v);
        return out;
    }

    // The members of a collection in one commit.
    Result<std::vector<Meta>> list_at(git_repository* repo, const Snapshot& snap,
                                      const std::string& path, ListOptions options) {
        auto item = find(repo, snap, path);
        if (!item)
            return tl::unexpected(item.error());
        if (!*item)
            return fail(Errc::not_found, path);
        if ((*item)->mode != GIT_FILEMODE_TREE)
            return fail(Errc::not_a_collection, path);
        std::vector<Meta> out;
        if (!snap.tree)
            return out;
        auto tree = lookup_tree(repo, (*item)->id);
        if (!tree)
            return tl::unexpected(tree.error());
        OdbPtr odb = open_odb(repo);
        // Members and their sidecars sit in this one tree: no per-member lookups by path.
        std::size_t count = git_tree_entrycount(tree->get());
        for (std::size_t i = 0; i < count; ++i) {
            const git_tree_entry* e = git_tree_entry_byindex(tree->get(), i);
            std::string name = git_tree_entry_name(e);
            if (is_reserved_name(name))
                continue;
            TreeItem member{*git_tree_entry_id(e), git_tree_entry_filemode(e)};
            bool collection = member.mode == GIT_FILEMODE_TREE;
            std::vector<Property> props;
            if (!collection) {
                std::string side = std::string(doc_props_prefix) + name;
                if (auto* s = git_tree_entry_byname(tree->get(), side.c_str())) {
                    auto decoded = read_props_blob(repo, *git_tree_entry_id(s));
                    if (!decoded)
                        return tl::unexpected(decoded.error());
                    props = std::move(*decoded);
                }
            } else if (options.with_props) {
                auto decoded = read_props(repo, snap, join(path, name), true);
                if (!decoded)
                    return tl::unexpected(decoded.error());
                props = std::move(*decoded);
            }
            Meta m = meta_of(odb.get(), join(path, name), member, props, snap);
            if (options.with_props)
                m.props = dead_only(std::move(props));
            out.push_back(std::move(m));
        }
        return out;
    }

    Result<std::unique_ptr<Body>> open_read(std::string_view raw,
                                            std::optional<ByteRange> range) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        if (auto hit = cache_.document(at->path, at->version); hit && hit->body) {
            auto [offset, length] = clip(range, hit->body->size());
            return std::make_unique<SharedMemoryBody>(std::move(hit->body), offset, length);
        }
        auto snap = snapshot_of(at->repo.get(), at->id);
        if (!snap)
            return tl::unexpected(snap.error());
        return read_body(at->repo.get(), *snap, at->path, range);
    }

    Result<PutResult> put(std::string_view raw, Source& source, const PutOptions& options,
                          std::string_view actor) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (is_root(*path))
            return fail(Errc::is_a_collection, "/");
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        // The body becomes a blob before the lock: a slow client stalls no other writer.
        auto blob = write_blob(repo->get(), source);
        if (!blob)
            return tl::unexpected(blob.error());
        bool created = false;
        auto done =
            commit(repo->get(), actor, "PUT " + *path,
                   [&](const Snapshot& snap) -> Result<std::vector<Edit>> {
                       auto existing = find(repo->get(), snap, *path);
                       if (!existing)
                           return tl::unexpected(existing.error());
                       if (*existing && (*existing)->mode == GIT_FILEMODE_TREE)
                           return fail(Errc::is_a_collection, *path);
                       std::optional<std::string> etag;
                       if (*existing)
                           etag = hex((*existing)->id);
                       if (auto ok = check_precondition(options.precondition, etag); !ok)
                           return tl::unexpected(ok.error());
                       if (auto ok = check_parent(repo->get(), snap, *path); !ok)
                           return tl::unexpected(ok.error());
                       created = !*existing;
                       // A new document starts with no properties: a sidecar at its name was
                       // a removed one's (a plain `git rm` leaves the sidecar behind).
                       auto props = created ? Result<std::vector<Property>>()
                                            : read_props(repo->get(), snap, *path, false);
                       if (!props)
                           return tl::unexpected(props.error());
                       std::string now = std::to_string(now_ns());
                       set_prop(*props, content_type_prop, options.content_type);
                       set_prop(*props, modified_prop, now);
                       if (created || !find_prop(*props, created_prop))
                           set_prop(*props, created_prop, now);
                       auto side = write_buffer(repo->get(), encode_props(*props));
                       if (!side)
                           return tl::unexpected(side.error());
                       return std::vector<Edit>{
                           {split(rel(*path)), TreeItem{*blob, GIT_FILEMODE_BLOB}},
                           {split(sidecar_of(*path, false)), TreeItem{*side, GIT_FILEMODE_BLOB}}};
                   });
        if (!done)
            return tl::unexpected(done.error());
        return PutResult{hex(*blob), created};
    }

    Result<void> mkcol(std::string_view raw, std::string_view actor) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        auto done =
            commit(repo->get(), actor, "MKCOL " + *path,
                   [&](const Snapshot& snap) -> Result<std::vector<Edit>> {
                       auto existing = find(repo->get(), snap, *path);
                       if (!existing)
                           return tl::unexpected(existing.error());
                       if (*existing)
                           return fail(Errc::exists, *path);
                       if (auto ok = check_parent(repo->get(), snap, *path); !ok)
                           return tl::unexpected(ok.error());
                       auto segments = split(rel(*path));
                       segments.emplace_back(marker_name);
                       // Its creationdate: without it, a collection's would be the time of
                       // the last commit, anywhere in the share.
                       std::vector<Property> props;
                       set_prop(props, created_prop, std::to_string(now_ns()));
                       auto side = write_buffer(repo->get(), encode_props(props));
                       if (!side)
                           return tl::unexpected(side.error());
                       return std::vector<Edit>{
                           {segments, TreeItem{marker_, GIT_FILEMODE_BLOB}},
                           {split(sidecar_of(*path, true)), TreeItem{*side, GIT_FILEMODE_BLOB}}};
                   });
        if (!done)
            return tl::unexpected(done.error());
        return {};
    }

    Result<void> remove(std::string_view raw, const Precondition& pre,
                        std::string_view actor) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        if (is_root(*path))
            return fail(Errc::forbidden, "the root cannot be removed");
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        auto done =
            commit(repo->get(), actor, "DELETE " + *path,
                   [&](const Snapshot& snap) -> Result<std::vector<Edit>> {
                       auto existing = find(repo->get(), snap, *path);
                       if (!existing)
                           return tl::unexpected(existing.error());
                       std::optional<std::string> etag;
                       if (*existing)
                           etag = hex((*existing)->id);
                       if (auto ok = check_precondition(pre, etag); !ok)
                           return tl::unexpected(ok.error());
                       if (!*existing)
                           return fail(Errc::not_found, *path);
                       return std::vector<Edit>{{split(rel(*path)), std::nullopt},
                                                {split(sidecar_of(*path, false)), std::nullopt}};
                   });
        if (!done)
            return tl::unexpected(done.error());
        return {};
    }

    Result<bool> copy(std::string_view from, std::string_view to, Depth depth, bool overwrite,
                      std::string_view actor) override {
        return transfer(from, to, depth, overwrite, false, actor);
    }

    Result<bool> move(std::string_view from, std::string_view to, bool overwrite,
                      std::string_view actor) override {
        return transfer(from, to, Depth::infinity, overwrite, true, actor);
    }

    Result<std::vector<Property>> props(std::string_view raw) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        if (auto hit = cache_.props(at->path, at->version))
            return *hit;
        auto found = find_with_props(*at);
        if (!found)
            return tl::unexpected(found.error());
        auto dead = dead_only(std::move(found->props));
        cache_.put_props(at->path, dead, at->version);
        return dead;
    }

    Result<void> patch_props(std::string_view raw, std::span<const PropOp> ops,
                             std::string_view actor) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        for (const auto& op : ops)
            if (op.name.ns == internal_ns)
                return fail(Errc::forbidden, "reserved property namespace");
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        // The sidecar is rewritten whole in one commit: all operations apply or none does.
        auto done = commit(repo->get(), actor, "PROPPATCH " + *path,
                           [&](const Snapshot& snap) -> Result<std::vector<Edit>> {
                               auto item = find(repo->get(), snap, *path);
                               if (!item)
                                   return tl::unexpected(item.error());
                               if (!*item)
                                   return fail(Errc::not_found, *path);
                               bool collection = (*item)->mode == GIT_FILEMODE_TREE;
                               auto props = read_props(repo->get(), snap, *path, collection);
                               if (!props)
                                   return tl::unexpected(props.error());
                               for (const auto& op : ops)
                                   set_prop(*props, op.name, op.value);
                               auto side = write_buffer(repo->get(), encode_props(*props));
                               if (!side)
                                   return tl::unexpected(side.error());
                               return std::vector<Edit>{{split(sidecar_of(*path, collection)),
                                                         TreeItem{*side, GIT_FILEMODE_BLOB}}};
                           });
        if (!done)
            return tl::unexpected(done.error());
        return {};
    }

    Result<std::string> sync_token(std::string_view raw) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        auto snap = snapshot_of(at->repo.get(), at->id);
        if (!snap)
            return tl::unexpected(snap.error());
        if (auto ok = must_be_collection(at->repo.get(), *snap, at->path); !ok)
            return tl::unexpected(ok.error());
        // An empty store has no commit yet: the all-zero id stands for "before anything".
        return snap->commit_id ? hex(*snap->commit_id) : std::string(GIT_OID_HEXSZ, '0');
    }

    Result<Changes> changes_since(std::string_view raw, std::string_view token) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        const auto& path = at->path;
        auto& repo = at->repo;
        auto snap = snapshot_of(repo.get(), at->id);
        if (!snap)
            return tl::unexpected(snap.error());
        if (auto ok = must_be_collection(repo.get(), *snap, path); !ok)
            return tl::unexpected(ok.error());
        auto old = snapshot_at(repo.get(), token);
        if (!old)
            return tl::unexpected(old.error());
        auto before = subtree_at(repo.get(), *old, path);
        if (!before)
            return tl::unexpected(before.error());
        auto after = subtree_at(repo.get(), *snap, path);
        if (!after)
            return tl::unexpected(after.error());
        // A tree diff skips every subtree whose id did not change: the cost follows the
        // changes, not the size of the collection.
        git_diff* raw_diff = nullptr;
        if (int rc =
                git_diff_tree_to_tree(&raw_diff, repo.get(), before->get(), after->get(), nullptr);
            rc < 0)
            return tl::unexpected(git_error(rc, "diff"));
        DiffPtr diff(raw_diff);
        // A path seen as a document (its blob changed) and as a collection (its marker
        // changed) apart: when a document replaced a collection of the same name, or the other
        // way round, the diff (without GIT_DIFF_INCLUDE_TYPECHANGE) gives the blob as one entry
        // and the folder's files as others, one side removed and the other added.
        struct Seen {
            std::optional<ChangeKind> document;
            std::optional<ChangeKind> collection;
        };
        std::map<std::string, Seen> primary;
        std::map<std::string, ChangeKind> secondary;
        std::size_t n = git_diff_num_deltas(diff.get());
        for (std::size_t i = 0; i < n; ++i) {
            const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
            ChangeKind kind = d->status == GIT_DELTA_ADDED     ? ChangeKind::added
                              : d->status == GIT_DELTA_DELETED ? ChangeKind::removed
                                                               : ChangeKind::modified;
            std::string file = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
            std::string dir, name = file;
            if (auto slash = file.rfind('/'); slash != std::string::npos) {
                dir = file.substr(0, slash);
                name = file.substr(slash + 1);
            }
            auto in_collection = [&](const std::string& rel_path) {
                return rel_path.empty() ? path : join(path, rel_path);
            };
            if (name == marker_name) {
                if (!dir.empty())
                    primary[in_collection(dir)].collection = kind;
            } else if (name == dir_props_name) {
                if (!dir.empty())
                    secondary[in_collection(dir)] = ChangeKind::modified;
            } else if (name.starts_with(doc_props_prefix)) {
                std::string member = name.substr(doc_props_prefix.size());
                secondary[in_collection(dir.empty() ? member : dir + "/" + member)] =
                    ChangeKind::modified;
            } else if (!is_reserved_name(name)) {
                primary[in_collection(file)].document = kind;
            }
        }
        Changes out;
        out.token = snap->commit_id ? hex(*snap->commit_id) : std::string(GIT_OID_HEXSZ, '0');
        auto emit = [&](const std::string& p, ChangeKind kind, bool collection) {
            out.changes.push_back({p, kind, kind == ChangeKind::removed && collection});
        };
        for (auto& [p, seen] : primary) {
            if (seen.document && !seen.collection && *seen.document != ChangeKind::modified) {
                // A folder without a marker (made by plain git) shows by what changed below it.
                auto below = primary.lower_bound(p + "/");
                if (below != primary.end() && below->first.starts_with(p + "/"))
                    seen.collection = *seen.document == ChangeKind::added ? ChangeKind::removed
                                                                          : ChangeKind::added;
            }
            if (seen.document && seen.collection) {
                // The path changed type: the old resource removed first, then the new one.
                bool collection_first = *seen.collection == ChangeKind::removed;
                emit(p, collection_first ? *seen.collection : *seen.document, collection_first);
                emit(p, collection_first ? *seen.document : *seen.collection, !collection_first);
            } else if (seen.collection) {
                emit(p, *seen.collection, true);
            } else {
                emit(p, *seen.document, false);
            }
        }
        // A sidecar alone changed: the properties (or the content type) of the resource.
        for (auto& [p, kind] : secondary)
            if (!primary.contains(p))
                emit(p, kind, false);
        // In path order, as the log-based backends give them (coalesce()); stable, so that a
        // path that changed type keeps its removal first.
        std::stable_sort(out.changes.begin(), out.changes.end(),
                         [](const Change& a, const Change& b) { return a.path < b.path; });
        return out;
    }

    Result<std::vector<Version>> history(std::string_view raw) override {
        auto at = begin_read(raw);
        if (!at)
            return tl::unexpected(at.error());
        const auto& path = at->path;
        auto& repo = at->repo;
        std::vector<Version> out;
        if (!at->id)
            return fail(Errc::not_found, path);
        git_revwalk* raw_walk = nullptr;
        if (int rc = git_revwalk_new(&raw_walk, repo.get()); rc < 0)
            return tl::unexpected(git_error(rc, "revwalk"));
        RevwalkPtr walk(raw_walk);
        git_revwalk_sorting(walk.get(), GIT_SORT_TIME | GIT_SORT_TOPOLOGICAL);
        git_revwalk_push(walk.get(), &*at->id);
        std::string target = rel(path);
        git_oid id;
        // Like `git log -- path`: a commit counts when the path differs from its first parent.
        while (git_revwalk_next(&id, walk.get()) == 0) {
            git_commit* raw_commit = nullptr;
            if (int rc = git_commit_lookup(&raw_commit, repo.get(), &id); rc < 0)
                return tl::unexpected(git_error(rc, "read commit"));
            CommitPtr c(raw_commit);
            auto here = entry_in_commit(c.get(), target);
            std::optional<git_oid> there;
            if (git_commit_parentcount(c.get()) > 0) {
                git_commit* raw_parent = nullptr;
                if (git_commit_parent(&raw_parent, c.get(), 0) == 0) {
                    CommitPtr parent(raw_parent);
                    there = entry_in_commit(parent.get(), target);
                }
            }
            bool changed = here.has_value() != there.has_value() ||
                           (here && git_oid_cmp(&*here, &*there) != 0);
            if (changed && here) {
                const git_signature* author = git_commit_author(c.get());
                out.push_back({hex(id), Clock::from_time_t(author->when.time), author->name,
                               git_commit_message(c.get())});
            }
        }
        if (out.empty())
            return fail(Errc::not_found, path);
        return out;
    }

    Result<std::unique_ptr<Body>> open_version(std::string_view raw,
                                               std::string_view version) override {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        auto snap = snapshot_at(repo->get(), version);
        if (!snap)
            return fail(Errc::not_found, "no version " + std::string(version));
        return read_body(repo->get(), *snap, *path, std::nullopt);
    }

    Result<void> init() {
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        if (read_only_) { // the same id, without writing the object
            if (int rc = git_odb_hash(&marker_, "", 0, GIT_OBJECT_BLOB); rc < 0)
                return tl::unexpected(git_error(rc, "hash the empty blob"));
        } else {
            auto marker = write_buffer(repo->get(), "");
            if (!marker)
                return tl::unexpected(marker.error());
            marker_ = *marker;
        }
        loose_ = std::make_unique<LooseObjects>(std::string(git_repository_path(repo->get())) +
                                                "objects");
        return {};
    }

private:
    using Plan = std::function<Result<std::vector<Edit>>(const Snapshot&)>;

    // The writer lock: a mutex for this process's threads and flock for other Quire processes.
    // Plain git writers (a push) are caught by the compare-and-swap of the ref instead.
    class WriteLock {
    public:
        explicit WriteLock(GitStore& store)
            : guard_(store.write_mutex_), fd_(store.lock_fd_.get()) {
            while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
            }
        }
        WriteLock(const WriteLock&) = delete;
        WriteLock& operator=(const WriteLock&) = delete;
        ~WriteLock() { ::flock(fd_, LOCK_UN); }

    private:
        std::lock_guard<std::mutex> guard_;
        int fd_;
    };

    // Exactly one commit per mutating call: plan the edits against the branch head, write the
    // commit, move the ref only if it still points at that head; else plan again on the new
    // head (the precondition is re-evaluated there too).
    Result<git_oid> commit(git_repository* repo, std::string_view actor, std::string message,
                           const Plan& plan) {
        WriteLock lock(*this);
        for (int attempt = 0;; ++attempt) {
            auto snap = snapshot(repo);
            if (!snap)
                return tl::unexpected(snap.error());
            auto edits = plan(*snap);
            if (!edits)
                return tl::unexpected(edits.error());
            auto tree_id = apply_edits(repo, snap->tree.get(), *edits, marker_);
            if (!tree_id)
                return tl::unexpected(tree_id.error());
            git_tree* raw_tree = nullptr;
            if (int rc = git_tree_lookup(&raw_tree, repo, &*tree_id); rc < 0)
                return tl::unexpected(git_error(rc, "read new tree"));
            TreePtr tree(raw_tree);
            git_signature* raw_author = nullptr;
            std::string name = sanitise(actor);
            std::string email = name + "@quire.invalid";
            std::replace(email.begin(), email.end(), ' ', '_');
            if (int rc = git_signature_now(&raw_author, name.c_str(), email.c_str()); rc < 0)
                return tl::unexpected(git_error(rc, "author"));
            SignaturePtr author(raw_author);
            git_signature* raw_committer = nullptr;
            if (int rc = git_signature_now(&raw_committer, "Quire", "quire@quire.invalid"); rc < 0)
                return tl::unexpected(git_error(rc, "committer"));
            SignaturePtr committer(raw_committer);
            const git_commit* parents[1] = {snap->commit.get()};
            git_oid commit_id;
            if (int rc = git_commit_create(&commit_id, repo, nullptr, author.get(), committer.get(),
                                           "UTF-8", (message + "\n").c_str(), tree.get(),
                                           snap->commit ? 1 : 0, parents);
                rc < 0)
                return tl::unexpected(full_disk_if_so(git_error(rc, "write commit")));
            git_reference* raw_ref = nullptr;
            int rc = git_reference_create_matching(
                &raw_ref, repo, ref_name_.c_str(), &commit_id, snap->commit_id ? 1 : 0,
                snap->commit_id ? &*snap->commit_id : nullptr, message.c_str());
            RefPtr ref(raw_ref);
            if (rc == 0)
                return commit_id;
            if (rc != GIT_EMODIFIED && rc != GIT_EEXISTS && rc != GIT_ELOCKED)
                return tl::unexpected(full_disk_if_so(git_error(rc, "update " + ref_name_)));
            if (attempt >= 200)
                return tl::unexpected(git_error(GIT_ELOCKED, "update " + ref_name_));
            if (rc == GIT_ELOCKED)
                clear_stale_ref_lock();
            std::this_thread::sleep_for(std::chrono::milliseconds(5 + attempt));
        }
    }

    // libgit2 may report a write that the full disk cut short only by what failed after it
    // ("target OID for the reference doesn't exist"): on a file system with next to no room
    // left, an unexplained failure is the full disk's (507, not 500).
    Error full_disk_if_so(Error e) const {
        constexpr std::uint64_t next_to_nothing = 64 * 1024;
        if (e.code == Errc::io && free_bytes_at(dir_) < next_to_nothing)
            return Error{Errc::insufficient_storage, e.message + " (the disk is full)"};
        return e;
    }

    // A ref lock file left by a writer that was killed mid-update would block the branch for
    // ever. We hold the Quire writer lock, so only a plain git process could own a fresh one:
    // a lock older than a few seconds is stale.
    void clear_stale_ref_lock() {
        std::string lock = dir_ + "/" + ref_name_ + ".lock";
        struct stat st {};
        if (::stat(lock.c_str(), &st) != 0)
            return;
        auto age =
            std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
        if (age > std::chrono::seconds(3))
            ::unlink(lock.c_str());
    }

    Result<Snapshot> snapshot(git_repository* repo) {
        auto id = head(repo);
        if (!id)
            return tl::unexpected(id.error());
        return snapshot_of(repo, *id);
    }

    // The branch head's commit id (one reference lookup); none for an unborn branch.
    // Where a read starts: the normalised path, a repository handle, and the branch head it
    // reads at (the cache's version: a commit made by plain git is seen at the next read).
    struct ReadPoint {
        std::string path;
        RepoPool::Lease repo;
        std::optional<git_oid> id;
        std::string version;
    };

    Result<ReadPoint> begin_read(std::string_view raw) {
        auto path = normalise(raw);
        if (!path)
            return tl::unexpected(path.error());
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        auto id = read_head(repo->get());
        if (!id)
            return tl::unexpected(id.error());
        std::string version = version_of(*id);
        return ReadPoint{std::move(*path), std::move(*repo), *id, std::move(version)};
    }

    // A path's tree entry and every property of it, in the commit a read is at.
    struct Found {
        Snapshot snap;
        TreeItem item;
        std::vector<Property> props;
    };

    Result<Found> find_with_props(ReadPoint& at) {
        auto snap = snapshot_of(at.repo.get(), at.id);
        if (!snap)
            return tl::unexpected(snap.error());
        auto item = find(at.repo.get(), *snap, at.path);
        if (!item)
            return tl::unexpected(item.error());
        if (!*item)
            return fail(Errc::not_found, at.path);
        auto props = read_props(at.repo.get(), *snap, at.path, (*item)->mode == GIT_FILEMODE_TREE);
        if (!props)
            return tl::unexpected(props.error());
        return Found{std::move(*snap), std::move(**item), std::move(*props)};
    }

    // The file a ref is read from, as statx saw it: a ref update writes a new file and renames
    // it over the old one (a new inode, since the old file still exists while the new one is
    // made); an edit in place changes the change time.
    struct FileIdentity {
        bool exists = false;
        std::uint64_t inode = 0;
        std::uint64_t size = 0;
        std::int64_t ctime_sec = 0;
        std::uint32_t ctime_nsec = 0;
        friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
    };

    static FileIdentity identity_of(const std::string& file) {
        struct statx st {};
        if (::statx(AT_FDCWD, file.c_str(), 0, STATX_INO | STATX_SIZE | STATX_CTIME, &st) != 0)
            return {};
        return {true, st.stx_ino, st.stx_size, st.stx_ctime.tv_sec, st.stx_ctime.tv_nsec};
    }

    // The branch head for a read. libgit2 resolves a loose ref with open, fstat, read and close
    // each time; when the ref's file (or packed-refs, without a loose ref) is the one the last
    // answer came from, that answer stands: one statx instead of four calls.
    Result<std::optional<git_oid>> read_head(git_repository* repo) {
        FileIdentity file = identity_of(dir_ + "/" + ref_name_);
        if (!file.exists)
            file = identity_of(dir_ + "/packed-refs");
        {
            std::lock_guard lock(head_mutex_);
            if (known_head_ && file.exists && known_head_->file == file)
                return known_head_->id;
        }
        auto id = head(repo); // resolved after the statx: a change in between shows next time
        if (id && file.exists) {
            std::lock_guard lock(head_mutex_);
            known_head_ = KnownHead{file, *id};
        }
        return id;
    }

    Result<std::optional<git_oid>> head(git_repository* repo) {
        git_oid id;
        int rc = git_reference_name_to_id(&id, repo, ref_name_.c_str());
        if (rc == GIT_ENOTFOUND)
            return std::optional<git_oid>{};
        if (rc < 0)
            return tl::unexpected(git_error(rc, "resolve " + ref_name_));
        return std::optional<git_oid>{id};
    }

    Result<Snapshot> snapshot_of(git_repository* repo, const std::optional<git_oid>& id) {
        if (!id)
            return Snapshot{}; // unborn branch: an empty store
        return load(repo, *id);
    }

    // Cached reads belong to one head commit: commits by plain git (a push) move the head too,
    // so they are seen at the next read like Quire's own.
    static std::string version_of(const std::optional<git_oid>& id) {
        return id ? std::string(reinterpret_cast<const char*>(id->id), GIT_OID_RAWSZ)
                  : std::string("unborn");
    }

    Result<Snapshot> load(git_repository* repo, const git_oid& id) {
        Snapshot snap;
        if (auto whole = loose_->check(id); !whole)
            return tl::unexpected(whole.error());
        git_commit* raw = nullptr;
        if (int rc = git_commit_lookup(&raw, repo, &id); rc < 0)
            return tl::unexpected(git_error(rc, "read commit"));
        snap.commit.reset(raw);
        snap.commit_id = id;
        if (auto whole = loose_->check(*git_commit_tree_id(raw)); !whole)
            return tl::unexpected(whole.error());
        git_tree* tree = nullptr;
        if (int rc = git_commit_tree(&tree, raw); rc < 0)
            return tl::unexpected(git_error(rc, "read tree"));
        snap.tree.reset(tree);
        snap.time = Clock::from_time_t(git_commit_time(raw));
        return snap;
    }

    // The snapshot a sync token (a commit id) names.
    Result<Snapshot> snapshot_at(git_repository* repo, std::string_view token) {
        if (token == std::string(GIT_OID_HEXSZ, '0'))
            return Snapshot{};
        git_oid id;
        std::string owned(token);
        if (owned.size() != GIT_OID_HEXSZ || git_oid_fromstr(&id, owned.c_str()) != 0)
            return fail(Errc::invalid_sync_token, "malformed token");
        auto snap = load(repo, id);
        if (!snap)
            return fail(Errc::invalid_sync_token, "no such commit in this repository");
        return snap;
    }

    Result<TreePtr> subtree_at(git_repository* repo, const Snapshot& snap,
                               const std::string& path) {
        if (!snap.tree)
            return TreePtr();
        if (is_root(path)) {
            git_tree* t = nullptr;
            if (int rc = git_tree_lookup(&t, repo, git_tree_id(snap.tree.get())); rc < 0)
                return tl::unexpected(git_error(rc, "read tree"));
            return TreePtr(t);
        }
        auto item = find(repo, snap, path);
        if (!item)
            return tl::unexpected(item.error());
        if (!*item || (*item)->mode != GIT_FILEMODE_TREE)
            return TreePtr();
        return lookup_tree(repo, (*item)->id);
    }

    Result<TreePtr> lookup_tree(git_repository* repo, const git_oid& id) {
        if (auto whole = loose_->check(id); !whole)
            return tl::unexpected(whole.error());
        git_tree* t = nullptr;
        if (int rc = git_tree_lookup(&t, repo, &id); rc < 0)
            return tl::unexpected(git_error(rc, "read tree"));
        return TreePtr(t);
    }

    // git_tree_entry_bypath with every folder's tree checked by loose_ before libgit2 reads it
    // (a damaged subtree would hang it like a damaged blob). A null entry: nothing at rel_path.
    Result<TreeEntryPtr> entry_bypath(git_tree* root, std::string_view rel_path) {
        TreePtr owned; // the folder walked into, once below the root
        git_tree* tree = root;
        while (true) {
            const std::size_t slash = rel_path.find('/');
            const std::string name(rel_path.substr(0, slash));
            const git_tree_entry* e = git_tree_entry_byname(tree, name.c_str());
            if (!e)
                return TreeEntryPtr();
            if (slash == std::string_view::npos || slash + 1 == rel_path.size()) {
                git_tree_entry* copy = nullptr;
                if (int rc = git_tree_entry_dup(&copy, e); rc < 0)
                    return tl::unexpected(git_error(rc, "look up " + std::string(rel_path)));
                return TreeEntryPtr(copy);
            }
            if (git_tree_entry_filemode(e) != GIT_FILEMODE_TREE)
                return TreeEntryPtr();
            auto sub = lookup_tree(git_tree_owner(tree), *git_tree_entry_id(e));
            if (!sub)
                return tl::unexpected(sub.error());
            owned = std::move(*sub);
            tree = owned.get();
            rel_path.remove_prefix(slash + 1);
        }
    }

    std::optional<git_oid> entry_in_commit(git_commit* commit, const std::string& rel_path) {
        git_tree* raw = nullptr;
        if (git_commit_tree(&raw, commit) != 0)
            return std::nullopt;
        TreePtr tree(raw);
        auto entry = entry_bypath(tree.get(), rel_path);
        if (!entry || !*entry)
            return std::nullopt;
        return *git_tree_entry_id(entry->get());
    }

    // The tree entry at `path` in the snapshot (the root is always a collection).
    Result<std::optional<TreeItem>> find(git_repository*, const Snapshot& snap,
                                         const std::string& path) {
        if (is_root(path)) {
            git_oid empty;
            git_oid_fromstr(&empty, "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
            return std::optional<TreeItem>{
                TreeItem{snap.tree ? *git_tree_id(snap.tree.get()) : empty, GIT_FILEMODE_TREE}};
        }
        if (!snap.tree)
            return std::optional<TreeItem>{};
        auto found = entry_bypath(snap.tree.get(), rel(path));
        if (!found)
            return tl::unexpected(found.error());
        if (!*found)
            return std::optional<TreeItem>{};
        TreeEntryPtr entry = std::move(*found);
        git_filemode_t mode = git_tree_entry_filemode(entry.get());
        if (mode == GIT_FILEMODE_COMMIT || mode == GIT_FILEMODE_LINK)
            return std::optional<TreeItem>{}; // submodules and links are not resources
        return std::optional<TreeItem>{TreeItem{*git_tree_entry_id(entry.get()), mode}};
    }

    Result<void> check_parent(git_repository* repo, const Snapshot& snap, const std::string& path) {
        auto parent = find(repo, snap, parent_of(path));
        if (!parent)
            return tl::unexpected(parent.error());
        if (!*parent || (*parent)->mode != GIT_FILEMODE_TREE)
            return fail(Errc::conflict, "parent collection missing for " + path);
        return {};
    }

    Result<void> must_be_collection(git_repository* repo, const Snapshot& snap,
                                    const std::string& path) {
        auto item = find(repo, snap, path);
        if (!item)
            return tl::unexpected(item.error());
        if (!*item)
            return fail(Errc::not_found, path);
        if ((*item)->mode != GIT_FILEMODE_TREE)
            return fail(Errc::not_a_collection, path);
        return {};
    }

    Result<std::string> read_blob(git_repository* repo, const git_oid& id) {
        if (auto whole = loose_->check(id); !whole)
            return tl::unexpected(whole.error());
        git_blob* raw = nullptr;
        if (int rc = git_blob_lookup(&raw, repo, &id); rc < 0)
            return tl::unexpected(git_error(rc, "read blob"));
        BlobPtr blob(raw);
        return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                           static_cast<std::size_t>(git_blob_rawsize(blob.get())));
    }

    Result<std::vector<Property>> read_props_blob(git_repository* repo, const git_oid& id) {
        auto data = read_blob(repo, id);
        if (!data)
            return tl::unexpected(data.error());
        return decode_props(*data);
    }

    // Properties (internal ones included) from the sidecar of `path`; none when it has none.
    Result<std::vector<Property>> read_props(git_repository* repo, const Snapshot& snap,
                                             const std::string& path, bool collection) {
        if (!snap.tree)
            return std::vector<Property>{};
        auto entry = entry_bypath(snap.tree.get(), sidecar_of(path, collection));
        if (!entry)
            return tl::unexpected(entry.error());
        if (!*entry)
            return std::vector<Property>{};
        return read_props_blob(repo, *git_tree_entry_id(entry->get()));
    }

    static OdbPtr open_odb(git_repository* repo) {
        git_odb* raw = nullptr;
        git_repository_odb(&raw, repo);
        return OdbPtr(raw);
    }

    static Meta meta_of(git_odb* odb, const std::string& path, const TreeItem& item,
                        const std::vector<Property>& props, const Snapshot& snap) {
        Meta m;
        m.path = path;
        m.collection = item.mode == GIT_FILEMODE_TREE;
        m.etag = hex(item.id);
        if (!m.collection) {
            // The object header gives the size without inflating the body.
            std::size_t size = 0;
            git_object_t type{};
            if (odb && git_odb_read_header(&size, &type, odb, &item.id) == 0)
                m.size = size;
            m.content_type =
                find_prop(props, content_type_prop).value_or("application/octet-stream");
        }
        auto ns = [&](const PropName& name) -> std::optional<Clock::time_point> {
            auto v = find_prop(props, name);
            std::int64_t value = 0;
            if (!v || std::from_chars(v->data(), v->data() + v->size(), value).ec != std::errc())
                return std::nullopt; // absent or not ours: fall back to the commit time
            return from_ns(value);
        };
        m.modified = ns(modified_prop).value_or(snap.time);
        m.created = ns(created_prop).value_or(m.modified);
        return m;
    }

    Result<std::unique_ptr<Body>> read_body(git_repository* repo, const Snapshot& snap,
                                            const std::string& path,
                                            std::optional<ByteRange> range) {
        auto item = find(repo, snap, path);
        if (!item)
            return tl::unexpected(item.error());
        if (!*item)
            return fail(Errc::not_found, path);
        if ((*item)->mode == GIT_FILEMODE_TREE)
            return fail(Errc::is_a_collection, path);
        // libgit2 inflates a blob whole; git bodies are read into memory.
        auto data = read_blob(repo, (*item)->id);
        if (!data)
            return tl::unexpected(data.error());
        auto [offset, length] = clip(range, data->size());
        return std::make_unique<MemoryBody>(data->substr(offset, length));
    }

    Result<bool> transfer(std::string_view raw_from, std::string_view raw_to, Depth depth,
                          bool overwrite, bool is_move, std::string_view actor) {
        auto from = normalise(raw_from);
        if (!from)
            return tl::unexpected(from.error());
        auto to = normalise(raw_to);
        if (!to)
            return tl::unexpected(to.error());
        if (auto ok = check_copy_target(*from, *to); !ok)
            return tl::unexpected(ok.error());
        auto repo = pool_.acquire();
        if (!repo)
            return tl::unexpected(repo.error());
        bool created = false;
        git_repository* r = repo->get();
        auto done = commit(
            r, actor, (is_move ? "MOVE " : "COPY ") + *from + " -> " + *to,
            [&](const Snapshot& snap) -> Result<std::vector<Edit>> {
                auto src = find(r, snap, *from);
                if (!src)
                    return tl::unexpected(src.error());
                if (!*src)
                    return fail(Errc::not_found, *from);
                auto dst = find(r, snap, *to);
                if (!dst)
                    return tl::unexpected(dst.error());
                if (*dst && !overwrite)
                    return fail(Errc::precondition_failed, *to + " exists and Overwrite is F");
                if (auto ok = check_parent(r, snap, *to); !ok)
                    return tl::unexpected(ok.error());
                created = !*dst;
                bool collection = (*src)->mode == GIT_FILEMODE_TREE;
                TreeItem item = **src;
                if (collection && depth == Depth::zero) {
                    // Depth 0: the collection and its properties, without members.
                    std::vector<Edit> shell{
                        {{std::string(marker_name)}, TreeItem{marker_, GIT_FILEMODE_BLOB}}};
                    auto props = read_props(r, snap, *from, true);
                    if (!props)
                        return tl::unexpected(props.error());
                    if (!props->empty()) {
                        auto side = write_buffer(r, encode_props(*props));
                        if (!side)
                            return tl::unexpected(side.error());
                        shell.push_back(
                            {{std::string(dir_props_name)}, TreeItem{*side, GIT_FILEMODE_BLOB}});
                    }
                    auto id = apply_edits(r, nullptr, shell, marker_);
                    if (!id)
                        return tl::unexpected(id.error());
                    item = TreeItem{*id, GIT_FILEMODE_TREE};
                }
                std::vector<Edit> edits;
                if (is_move) {
                    edits.push_back({split(rel(*from)), std::nullopt});
                    edits.push_back({split(sidecar_of(*from, false)), std::nullopt});
                }
                edits.push_back({split(sidecar_of(*to, false)), std::nullopt});
                edits.push_back({split(rel(*to)), item});
                if (!collection) {
                    git_tree_entry* e = nullptr;
                    if (git_tree_entry_bypath(&e, snap.tree.get(),
                                              sidecar_of(*from, false).c_str()) == 0) {
                        TreeEntryPtr side(e);
                        edits.push_back(
                            {split(sidecar_of(*to, false)),
                             TreeItem{*git_tree_entry_id(side.get()), GIT_FILEMODE_BLOB}});
                    }
                }
                return edits;
            });
        if (!done)
            return tl::unexpected(done.error());
        return created;
    }

    Libgit2 libgit2_;
    std::string dir_;
    std::string ref_name_;
    struct KnownHead {
        FileIdentity file;
        std::optional<git_oid> id;
    };
    std::mutex head_mutex_;
    std::optional<KnownHead> known_head_; // read_head's last answer and where it came from
    UniqueFd lock_fd_;
    bool read_only_ = false; // Options::read_only: init() writes no object
    std::mutex write_mutex_;
    RepoPool pool_;
    git_oid marker_{};
    std::unique_ptr<LooseObjects> loose_; // set by init()
    ReadCache cache_;
};

} // namespace

// The folder that holds `dir` ("." for a bare name).
static std::string parent_folder(const std::string& dir) {
    std::string d = dir;
    while (d.size() > 1 && d.back() == '/')
        d.pop_back();
    const auto slash = d.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : d.substr(0, slash);
}

Result<std::unique_ptr<Store>> open(const std::string& dir, Options options) {
    Libgit2 libgit2; // keeps the library up while the repository is created
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        if (options.read_only) // nothing is made for a read-only store
            return tl::unexpected(errno_error(errno, "open repository " + dir));
        // The repository is created, but not the folders above it: a mistyped path would
        // otherwise become a new, empty share somewhere unexpected.
        const std::string parent = parent_folder(dir);
        if (::stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return fail(Errc::not_found, "cannot create repository " + dir + ": the folder " +
                                             parent + " does not exist");
        git_repository_init_options init = GIT_REPOSITORY_INIT_OPTIONS_INIT;
        init.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKDIR;
        std::string head = options.branch;
        init.initial_head = head.c_str();
        git_repository* raw = nullptr;
        if (int rc = git_repository_init_ext(&raw, dir.c_str(), &init); rc < 0)
            return tl::unexpected(git_error(rc, "create repository " + dir));
        RepoPtr created(raw);
    }
    // Read-only: a lock of this process only (its writers are never called).
    UniqueFd lock_fd =
        options.read_only
            ? private_file("quire-git-lock")
            : UniqueFd(::open((dir + "/quire.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock_fd)
        return tl::unexpected(errno_error(errno, "open lock file"));
    auto store = std::make_unique<GitStore>(dir, std::move(options), std::move(lock_fd));
    if (auto ok = store->init(); !ok)
        return tl::unexpected(ok.error());
    return std::unique_ptr<Store>(std::move(store));
}

} // namespace quire::storage::git
