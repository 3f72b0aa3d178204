// COPY and MOVE (RFC 4918 sections 9.8, 9.9): Destination on this mount, Overwrite, Depth.
// Backends copy and move natively and all-or-nothing, so a failure is one status for the
// request rather than a multistatus of members.
#include "context.hpp"
#include "dav/lock_check.hpp"
#include "dav/preconditions.hpp"
#include "dav/proto/fields.hpp"
#include "dav/proto/multistatus.hpp"
#include "storage/path.hpp"

namespace quire::dav {

namespace {

struct CopyOutcome {
    int status = 0;
    std::string body;
    bool xml = false;
};

// 201 or 204. RFC 9110 section 15.3.2: a 201 names what it created with Location when that is
// not the request's target, and what a COPY or MOVE creates is the Destination (mod_dav does
// the same).
void answer_transfer(Request& r, bool created, std::string_view dest, bool collection) {
    r.ex.response().status = created ? 201 : 204;
    if (created) {
        r.ex.response().headers.add("Location", r.href(dest, collection));
    }
}

} // namespace

asio::awaitable<void> do_copy_move(Request& r, bool move) {
    const auto& h = r.ex.request().headers;
    const auto destination = h.get("Destination");
    if (!destination) {
        fail(r.ex, 400, "COPY and MOVE need a Destination header");
        co_return;
    }
    auto to = r.resolve_uri(*destination);
    if (!to) {
        fail(r.ex, to.error().status, "Destination: " + to.error().reason);
        co_return;
    }
    auto depth = parse_depth(h.get("Depth"));
    if (!depth) {
        fail(r.ex, 400, depth.error());
        co_return;
    }
    const Depth d = depth->value_or(Depth::infinity);
    if (d == Depth::one || (move && d != Depth::infinity)) {
        fail(r.ex, 400,
             move ? "MOVE takes Depth: infinity only" : "COPY takes Depth: 0 or infinity");
        co_return;
    }
    auto overwrite = parse_overwrite(h.get("Overwrite"));
    if (!overwrite) {
        fail(r.ex, 400, overwrite.error());
        co_return;
    }
    if (*to == r.path) {
        fail(r.ex, 403, "the source and the destination are the same resource");
        co_return;
    }
    if (storage::is_within(*to, r.path) || (move && storage::is_root(r.path))) {
        fail(r.ex, 403, "a collection cannot be copied or moved into itself");
        co_return;
    }
    // Replacing an ancestor would remove the source with it (RFC 4918 sections 9.8.4, 9.9.3).
    if (storage::is_within(r.path, *to)) {
        fail(r.ex, 403, "the destination contains the source");
        co_return;
    }
    const bool hold = co_await preconditions_hold(r);
    if (!hold) {
        co_return;
    }
    const bool dest_is_collection = destination->ends_with('/');
    // A MOVE with nothing to check (no If header, nothing locked) that the store finishes at
    // once (fs: a document renamed to a free name) is answered on this thread: measured, the
    // hand-off to the pool and back cost more than the rename.
    if (move && !r.if_header && !r.options.quota) {
        // The pass first: a lock granted after the look at the table would otherwise be missed.
        auto pass = r.options.gate->try_write({r.path, *to});
        const bool unlocked = pass && r.options.locks->known_unlocked();
        if (auto moved = unlocked ? r.options.store->try_move_now(r.path, *to, *overwrite, r.actor)
                                  : std::nullopt) {
            if (!*moved) {
                fail(r.ex, status_of(moved->error().code), moved->error().message);
                co_return;
            }
            answer_transfer(r, **moved, *to, dest_is_collection);
            co_return;
        }
    }
    auto work = [&r, move, d, dest = *to, overwrite = *overwrite]() -> CopyOutcome {
        const auto pass = r.options.gate->write(move ? std::vector<std::string>{r.path, dest}
                                                     : std::vector<std::string>{dest});
        std::vector<LockScopeToCheck> scopes;
        if (move) {
            scopes.push_back({r.path, true});
            scopes.push_back({storage::parent_of(r.path), false});
        }
        scopes.push_back({dest, true});
        scopes.push_back({storage::parent_of(dest), false});
        if (auto denial = check_write(r, scopes)) {
            // A missing source is a 404 before any lock or If header. Looked at only here:
            // otherwise the store's move or copy finds it missing itself (one stat less).
            if (const auto meta = r.options.store->stat_basic(r.path); !meta) {
                return CopyOutcome{status_of(meta.error().code), meta.error().message, false};
            }
            return CopyOutcome{denial->status, std::move(denial->body), denial->xml};
        }
        auto& store = *r.options.store;
        // A COPY adds what it copies and frees what it replaces (RFC 4331 section 6).
        std::uint64_t adding = 0;
        std::uint64_t freeing = 0;
        if (r.options.quota && !move) {
            if (const auto source = store.stat_basic(r.path); source) {
                adding = source->collection && d == Depth::zero ? 0 : bytes_within(store, r.path);
            }
            freeing = overwrite ? bytes_within(store, dest) : 0;
            if (!r.options.quota->admits(store, adding, freeing)) {
                return CopyOutcome{507, error_body("quota-not-exceeded"), true};
            }
        }
        auto created =
            move ? store.move(r.path, dest, overwrite, r.actor)
                 : store.copy(r.path, dest,
                              d == Depth::zero ? storage::Depth::zero : storage::Depth::infinity,
                              overwrite, r.actor);
        if (!created) {
            const auto& e = created.error();
            // RFC 4918 section 9.8.5: a missing parent of the destination is 409.
            return CopyOutcome{status_of(e.code), e.message, false};
        }
        if (move) {
            remove_locks_within(r, r.path);
        }
        if (r.options.quota) {
            if (move) {
                if (!*created) {
                    r.options.quota->invalidate(); // it replaced something of unknown size
                }
            } else {
                r.options.quota->changed(adding, freeing);
            }
        }
        return CopyOutcome{*created ? 201 : 204, {}, false};
    };
    auto outcome = co_await r.ex.run_blocking(std::move(work));
    if (is_denial(outcome.status)) {
        answer_denial(r, Denial{outcome.status, std::move(outcome.body), outcome.xml});
        co_return;
    }
    answer_transfer(r, outcome.status == 201, *to, dest_is_collection);
}

} // namespace quire::dav
