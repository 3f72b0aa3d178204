// PROPFIND (RFC 4918 section 9.1). Depth 0 and 1 answers are built in one blocking call;
// Depth infinity is streamed one collection at a time, so the multistatus of a large tree is
// never held whole in memory.
#include "context.hpp"
#include "dav/lock_check.hpp"
#include "dav/properties.hpp"
#include "dav/proto/fields.hpp"
#include "dav/proto/multistatus.hpp"
#include "parsed_bodies.hpp"
#include "storage/path.hpp"

#include <sys/statvfs.h>

#include <algorithm>

namespace quire::dav {

namespace {

std::vector<Lock> locks_on(std::span<const Lock> all, std::string_view path) {
    std::vector<Lock> out;
    for (const auto& l : all) {
        if (l.root == path || (l.infinite && storage::is_within(path, l.root))) {
            out.push_back(l);
        }
    }
    return out;
}

// The computation of quota and sync-token for path; empty when the request names none of them
// (no closure is built per member of a listing then).
ExpensiveProperty expensive_for(const Request& r, const PropfindRequest& request,
                                const std::string& path) {
    if (!needs_expensive_properties(request)) {
        return {};
    }
    return [&r, path](std::string_view name) -> std::optional<std::string> {
        auto& store = *r.options.store;
        if (name == "supported-report-set") {
            // RFC 6578 section 3.1: a collection that answers sync-collection says so here.
            return std::string("<D:supported-report><D:report><D:sync-collection/></D:report>"
                               "</D:supported-report>");
        }
        if (name == "sync-token") {
            auto token = store.sync_token(path);
            return token ? std::optional(sync_token_uri(*token)) : std::nullopt;
        }
        if (name == "quota-used-bytes") {
            // The collection's own documents, at any depth (RFC 4331 section 4).
            return std::to_string(storage::is_root(path) && r.options.quota
                                      ? r.options.quota->used(store)
                                      : bytes_within(store, path));
        }
        if (r.options.read_only_store) {
            return std::string("0"); // it takes nothing
        }
        if (r.options.quota) {
            // What the share can still take, the same on every collection (section 3).
            return std::to_string(r.options.quota->available(store));
        }
        struct statvfs fs {};
        if (r.options.quota_path.empty() || ::statvfs(r.options.quota_path.c_str(), &fs) != 0) {
            return std::nullopt;
        }
        return std::to_string(static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize);
    };
}

// Everything one PROPFIND needs, kept alive while a Depth: infinity answer streams.
struct Walk {
    Request r;
    std::shared_ptr<const PropfindRequest> request;
    std::vector<Lock> locks;          // every lock on or below the target and covering it
    std::vector<std::string> pending; // collections whose members are still to be listed
    bool started = false;
    bool finished = false;
};

struct Piece {
    int status = 0; // non-zero: the request fails with it (only before anything was sent)
    std::string error;
    bool xml_error = false;
    std::string text;
};

// The target's own response.
Piece first_piece(Walk& w) {
    const Request& r = w.r;
    if (auto d = check_if_header(r)) {
        return Piece{d->status, std::move(d->body), d->xml, {}};
    }
    auto& store = *r.options.store;
    auto meta = store.stat(r.path);
    if (!meta) {
        return Piece{status_of(meta.error().code), meta.error().message, false, {}};
    }
    if (!meta->collection && r.names_collection()) {
        return Piece{
            404, r.path + " is a document; a URL ending in '/' names a collection", false, {}};
    }
    auto any_locks = [&] {
        auto any = r.options.locks->any();
        return !any || *any; // on a lock table error, look properly
    };
    if (needs_locks(*w.request) && any_locks()) {
        auto covering = r.options.locks->covering(r.path);
        auto within = r.options.locks->within(r.path);
        if (covering && within) {
            w.locks = std::move(*covering);
            for (auto& l : *within) {
                if (std::none_of(w.locks.begin(), w.locks.end(),
                                 [&](const Lock& o) { return o.token == l.token; })) {
                    w.locks.push_back(std::move(l));
                }
            }
        }
    }
    std::vector<storage::Property> dead;
    if (needs_dead_properties(*w.request)) {
        if (auto p = store.props(r.path)) {
            dead = std::move(*p);
        }
    }
    Piece out;
    begin_multistatus(out.text);
    append_propfind_response(out.text, r, *meta, dead, locks_on(w.locks, meta->path), *w.request,
                             expensive_for(r, *w.request, meta->path));
    if (meta->collection) {
        w.pending.push_back(meta->path);
    }
    return out;
}

// Appends the members of the next pending collection; pushes sub-collections when recursing.
// A collection that cannot be listed (a full disk, an I/O error) is an error, never an empty
// list: a client that syncs would take the missing members for deleted.
std::optional<storage::Error> append_members(Walk& w, bool recurse, std::string& out) {
    const std::string collection = std::move(w.pending.back());
    w.pending.pop_back();
    const bool dead = needs_dead_properties(*w.request);
    auto list = w.r.options.store->list(collection, storage::ListOptions{dead});
    if (!list) {
        if (list.error().code == storage::Errc::not_found) {
            return std::nullopt; // vanished meanwhile: nothing to report under it
        }
        return list.error();
    }
    // About 1 KiB per member for allprop: one allocation instead of a dozen doublings.
    out.reserve(out.size() + list->size() * 1024);
    const auto no_locks = w.locks.empty();
    for (const auto& m : *list) {
        append_propfind_response(out, w.r, m, m.props,
                                 no_locks ? std::vector<Lock>{} : locks_on(w.locks, m.path),
                                 *w.request, expensive_for(w.r, *w.request, m.path));
        if (recurse && m.collection) {
            w.pending.push_back(m.path);
        }
    }
    return std::nullopt;
}

} // namespace

asio::awaitable<void> do_propfind(Request& r) {
    auto depth = parse_depth(r.ex.request().headers.get("Depth"));
    if (!depth) {
        fail(r.ex, 400, depth.error());
        co_return;
    }
    const Depth d = depth->value_or(Depth::infinity);
    if (d == Depth::infinity && !r.options.allow_depth_infinity) {
        fail_precondition(r.ex, 403, "propfind-finite-depth");
        co_return;
    }
    auto body = co_await read_xml_body(r);
    if (!body) {
        co_return;
    }
    auto& parsed_bodies = r.ex.worker_local<ParsedPropfinds>(&r.options);
    auto request = parsed_bodies.find(*body);
    if (!request) {
        auto parsed = parse_propfind(*body);
        if (!parsed) {
            fail(r.ex, 400, "PROPFIND body: " + parsed.error());
            co_return;
        }
        request = std::make_shared<const PropfindRequest>(std::move(*parsed));
        parsed_bodies.remember(*body, request);
    }
    auto walk = std::make_shared<Walk>(Walk{r, std::move(request), {}, {}, false, false});
    auto start = [walk, d]() {
        Piece p = first_piece(*walk);
        if (p.status != 0 || d == Depth::zero) {
            walk->pending.clear();
        }
        if (d == Depth::one && !walk->pending.empty()) {
            if (auto e = append_members(*walk, false, p.text)) {
                return Piece{status_of(e->code), e->message, false, {}};
            }
        }
        return p;
    };
    // The first piece on the event loop when the store's reads are short (see inline_reads).
    Piece first;
    if (r.options.inline_reads && r.options.store->reads_short_now()) {
        first = start();
    } else {
        first = co_await r.ex.run_blocking(std::move(start));
    }
    if (first.status != 0) {
        if (first.xml_error) {
            fail_precondition(r.ex, first.status, "lock-token-submitted");
        } else {
            fail(r.ex, first.status, std::move(first.error));
        }
        co_return;
    }
    auto& res = r.ex.response();
    res.status = 207;
    res.headers.add("Content-Type", "application/xml; charset=utf-8");
    if (walk->pending.empty()) {
        end_multistatus(first.text);
        res.body.append(std::move(first.text));
        co_return;
    }
    // Depth infinity: the rest streams, one collection per pull.
    res.body.append(std::move(first.text));
    core::Exchange* ex = &r.ex;
    res.body.append_stream([walk, ex]() -> asio::awaitable<core::StreamResult> {
        if (walk->finished) {
            co_return core::StreamResult{};
        }
        auto next = [walk]() {
            core::StreamResult out;
            std::string text;
            // Gather a few collections per round trip to the pool, about 64 KiB at a time.
            while (!walk->pending.empty() && text.size() < 64 * 1024) {
                const std::string collection = walk->pending.back();
                if (auto e = append_members(*walk, true, text)) {
                    // The 207 went out already: the collection whose members are missing is
                    // named with the status that kept them out.
                    append_status_response(text, walk->r.href(collection, true),
                                           status_of(e->code));
                }
            }
            if (walk->pending.empty()) {
                end_multistatus(text);
                walk->finished = true;
            }
            out.piece = std::move(text);
            return out;
        };
        co_return co_await ex->run_blocking(std::move(next));
    });
}

} // namespace quire::dav
