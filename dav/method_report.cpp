// REPORT: DAV:sync-collection (RFC 6578 section 3). Other reports belong to extensions
// (CalDAV adds its own); an unknown one is 403 DAV:supported-report (RFC 3253 section 3.6).
#include "context.hpp"
#include "dav/lock_check.hpp"
#include "dav/properties.hpp"
#include "dav/proto/fields.hpp"
#include "dav/proto/multistatus.hpp"
#include "storage/path.hpp"

#include <set>
#include <string_view>

namespace quire::dav {

namespace {

struct ReportOutcome {
    std::optional<Denial> denial;
    std::string body;
};

ReportOutcome sync_collection(const Request& r, const SyncCollectionRequest& s) {
    if (auto d = check_if_header(r)) {
        return ReportOutcome{std::move(d), {}};
    }
    auto& store = *r.options.store;
    auto meta = store.stat(r.path);
    if (!meta) {
        return ReportOutcome{Denial{status_of(meta.error().code), meta.error().message, false}, {}};
    }
    if (!meta->collection) {
        return ReportOutcome{Denial{403, error_body("supported-report"), true}, {}};
    }
    const PropfindRequest& props = s.props;
    const bool dead = needs_dead_properties(props);
    std::vector<storage::Meta> members;
    std::vector<std::pair<std::string, bool>> removed; // path, was a collection
    std::string token;
    if (s.sync_token.empty()) {
        auto now = store.sync_token(r.path);
        if (!now) {
            return ReportOutcome{Denial{status_of(now.error().code), now.error().message, false},
                                 {}};
        }
        token = sync_token_uri(*now);
        std::vector<std::string> todo{r.path};
        while (!todo.empty()) {
            auto list = store.list(todo.back(), storage::ListOptions{dead});
            todo.pop_back();
            if (!list) {
                if (list.error().code == storage::Errc::not_found) {
                    continue; // removed meanwhile
                }
                // Not an empty answer: the client would take the members for removed.
                return ReportOutcome{
                    Denial{status_of(list.error().code), list.error().message, false}, {}};
            }
            for (auto& m : *list) {
                if (s.infinite && m.collection) {
                    todo.push_back(m.path);
                }
                members.push_back(std::move(m));
            }
        }
    } else {
        auto changes = store.changes_since(r.path, store_token_of(s.sync_token));
        if (!changes) {
            if (changes.error().code == storage::Errc::invalid_sync_token) {
                return ReportOutcome{Denial{403, error_body("valid-sync-token"), true}, {}};
            }
            return ReportOutcome{
                Denial{status_of(changes.error().code), changes.error().message, false}, {}};
        }
        token = sync_token_uri(changes->token);
        for (const auto& c : changes->changes) {
            if (!s.infinite && storage::parent_of(c.path) != r.path) {
                continue;
            }
            if (c.kind == storage::ChangeKind::removed) {
                removed.emplace_back(c.path, c.collection);
                continue;
            }
            auto m = store.stat(c.path);
            if (!m) {
                removed.emplace_back(c.path, false);
                continue;
            }
            if (dead) {
                if (auto p = store.props(c.path)) {
                    m->props = std::move(*p);
                }
            }
            members.push_back(std::move(*m));
        }
        // A path that changed type is one resource removed and one added ("/x/" and "/x").
        // A removal of what is there now under the same URL (a change log written before
        // additions carried the collection flag) would make the client drop what it just got.
        if (!removed.empty() && !members.empty()) {
            std::set<std::pair<std::string_view, bool>> present;
            for (const auto& m : members) {
                present.emplace(m.path, m.collection);
            }
            std::erase_if(removed, [&](const std::pair<std::string, bool>& gone) {
                return present.contains({gone.first, gone.second});
            });
        }
    }
    if (s.limit && members.size() + removed.size() > *s.limit) {
        return ReportOutcome{Denial{507, error_body("number-of-matches-within-limits"), true}, {}};
    }
    ReportOutcome out;
    begin_multistatus(out.body);
    for (const auto& m : members) {
        append_propfind_response(out.body, r, m, m.props, {}, props, {});
    }
    // A removed collection keeps the '/' of the URL the client listed it by (RFC 4918
    // section 5.2), so that the client can match the two.
    for (const auto& [p, collection] : removed) {
        append_status_response(out.body, r.href(p, collection), 404);
    }
    end_multistatus(out.body, token);
    return out;
}

} // namespace

asio::awaitable<void> do_report(Request& r) {
    auto depth = parse_depth(r.ex.request().headers.get("Depth"));
    if (!depth) {
        fail(r.ex, 400, depth.error());
        co_return;
    }
    auto body = co_await read_xml_body(r);
    if (!body) {
        co_return;
    }
    auto report = parse_report(*body);
    if (!report) {
        fail(r.ex, 400, "REPORT body: " + report.error());
        co_return;
    }
    if (!report->sync_collection) {
        fail_precondition(r.ex, 403, "supported-report");
        co_return;
    }
    if (depth->value_or(Depth::zero) != Depth::zero) {
        // RFC 6578 section 3.2: the depth is in DAV:sync-level; the header must be 0.
        fail(r.ex, 400, "sync-collection takes Depth: 0");
        co_return;
    }
    auto work = [&r, s = std::move(*report->sync_collection)] { return sync_collection(r, s); };
    auto outcome = co_await r.ex.run_blocking(std::move(work));
    if (outcome.denial) {
        answer_denial(r, std::move(*outcome.denial));
        co_return;
    }
    multistatus(r.ex, std::move(outcome.body));
}

} // namespace quire::dav
