// LOCK and UNLOCK (RFC 4918 sections 9.10, 9.11): exclusive and shared write locks, Depth 0
// and infinity, refresh, and a LOCK on an unmapped URL creating an empty resource (7.3).
#include "context.hpp"
#include "dav/lock_check.hpp"
#include "dav/properties.hpp"
#include "dav/proto/fields.hpp"
#include "dav/proto/multistatus.hpp"
#include "dav/proto/xml.hpp"
#include "storage/path.hpp"

namespace quire::dav {

namespace {

struct LockOutcome {
    std::optional<Denial> denial;
    Lock lock;
    bool created = false;
    std::string body; // the answer's, made on the pool (the lock root's href looks at the store)
};

// The answer to a LOCK shows the timeout it granted (the lock table keeps whole seconds, so
// what is left of it may read a second less already).
std::string lock_body(const Request& r, const Lock& lock, std::chrono::seconds granted) {
    std::string out(xml_head);
    out += "<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>";
    out += activelock_xml(r, lock, granted);
    out += "</D:lockdiscovery></D:prop>\n";
    return out;
}

// RFC 4918 section 9.10.3: a Depth: infinity lock that a member's lock keeps from being
// granted is a 207 naming that member (423), and the Request-URI with 424.
std::string member_conflict(const Request& r, std::string_view member_href,
                            std::string_view lock_href_xml) {
    std::string out;
    begin_multistatus(out);
    append_status_response(out, member_href, 423,
                           "<D:error><D:no-conflicting-lock>" + std::string(lock_href_xml) +
                               "</D:no-conflicting-lock></D:error>");
    append_status_response(out, r.href(r.path, true), 424);
    end_multistatus(out);
    return out;
}

LockOutcome refresh(const Request& r, std::chrono::seconds timeout) {
    if (auto d = check_if_header(r)) {
        return LockOutcome{std::move(d), {}, false};
    }
    bool anothers = false;
    for (const auto& token : submitted(r)) {
        // Refreshed only by the user who took it, as it is used only by them (RFC 4918
        // section 6.4 ties a lock to its principal).
        if (auto found = r.options.locks->find(token); found && *found &&
                                                       !(*found)->principal.empty() &&
                                                       (*found)->principal != r.ex.principal) {
            anothers = true;
            continue;
        }
        auto lock = r.options.locks->refresh(token, r.path, timeout);
        if (lock) {
            return LockOutcome{std::nullopt, std::move(*lock), false, {}};
        }
        if (lock.error().code != LockErrc::not_found) {
            // The table could not be written (a full disk: 507): not a wrong token.
            return LockOutcome{Denial{lock_table_status(lock.error()),
                                      "lock table: " + lock.error().message, false},
                               {},
                               false,
                               {}};
        }
    }
    if (anothers) {
        return LockOutcome{Denial{403, "this lock belongs to another user", false}, {}, false, {}};
    }
    return LockOutcome{
        Denial{412, error_body("lock-token-matches-request-uri"), true}, {}, false, {}};
}

LockOutcome create(const Request& r, const LockInfo& info, bool infinite,
                   std::chrono::seconds timeout) {
    const auto pass = r.options.gate->lock(r.path);
    if (auto d = check_if_header(r)) {
        return LockOutcome{std::move(d), {}, false};
    }
    auto& store = *r.options.store;
    const auto meta = store.stat_basic(r.path);
    if (!meta) {
        if (meta.error().code != storage::Errc::not_found) {
            return LockOutcome{
                Denial{status_of(meta.error().code), meta.error().message, false}, {}, false};
        }
        // A LOCK on an unmapped URL makes an empty document (section 7.3), which a URL
        // ending in '/' cannot name (PUT there is refused the same way).
        if (r.names_collection()) {
            return LockOutcome{Denial{409,
                                      "nothing is at this URL, and a LOCK would make an empty "
                                      "document there, which a URL ending in '/' does not "
                                      "name; MKCOL the collection first",
                                      false},
                               {},
                               false};
        }
        // Creating a member changes the parent: its locks need their tokens (section 7.3).
        const LockScopeToCheck parent[] = {{storage::parent_of(r.path), false}};
        if (auto d = check_write(r, parent)) {
            return LockOutcome{std::move(d), {}, false};
        }
    }
    auto lock = r.options.locks->create(
        LockRequest{r.path, info.shared ? LockScope::shared : LockScope::exclusive, infinite,
                    info.owner_xml, r.ex.principal, timeout});
    if (!lock) {
        if (lock.error().code == LockErrc::conflict) {
            const std::string& in_the_way = lock.error().conflicting_root;
            const std::string root_href = r.lock_root_href(in_the_way);
            std::string inner = "<D:href>";
            append_escaped(inner, root_href);
            inner += "</D:href>";
            if (in_the_way != r.path && storage::is_within(in_the_way, r.path)) {
                return LockOutcome{
                    Denial{207, member_conflict(r, root_href, inner), true}, {}, false};
            }
            return LockOutcome{
                Denial{423, error_body("no-conflicting-lock", inner), true}, {}, false};
        }
        return LockOutcome{
            Denial{lock_table_status(lock.error()), "lock table: " + lock.error().message, false},
            {},
            false};
    }
    if (meta) {
        return LockOutcome{std::nullopt, std::move(*lock), false};
    }
    storage::MemorySource empty("");
    storage::PutOptions options;
    options.precondition.if_none_match = "*";
    options.content_type = r.mime->lookup(storage::name_of(r.path));
    auto put = store.put(r.path, empty, options, r.actor);
    if (!put && (put.error().code == storage::Errc::precondition_failed ||
                 put.error().code == storage::Errc::is_a_collection)) {
        // Made meanwhile by another process (this one's writes wait for the gate): the lock
        // is on what is there now, as if the LOCK had come just after.
        return LockOutcome{std::nullopt, std::move(*lock), false};
    }
    if (!put) {
        (void)r.options.locks->remove(lock->token);
        return LockOutcome{
            Denial{status_of(put.error().code), put.error().message, false}, {}, false};
    }
    return LockOutcome{std::nullopt, std::move(*lock), true};
}

} // namespace

asio::awaitable<void> do_lock(Request& r) {
    const auto& h = r.ex.request().headers;
    const auto timeout =
        parse_timeout(h.get("Timeout"), r.options.default_lock_timeout, r.options.max_lock_timeout);
    auto body = co_await read_xml_body(r);
    if (!body) {
        co_return;
    }
    LockOutcome outcome;
    if (body->empty()) {
        if (!r.if_header) {
            fail(r.ex, 400, "a LOCK without a body is a refresh and needs an If header");
            co_return;
        }
        auto work = [&r, timeout] {
            auto outcome = refresh(r, timeout);
            if (!outcome.denial) {
                outcome.body = lock_body(r, outcome.lock, timeout);
            }
            return outcome;
        };
        outcome = co_await r.ex.run_blocking(std::move(work));
    } else {
        auto info = parse_lockinfo(*body);
        if (!info) {
            fail(r.ex, 400, "LOCK body: " + info.error());
            co_return;
        }
        auto depth = parse_depth(h.get("Depth"));
        if (!depth || depth->value_or(Depth::infinity) == Depth::one) {
            fail(r.ex, 400, "LOCK takes Depth: 0 or infinity");
            co_return;
        }
        const bool infinite = depth->value_or(Depth::infinity) == Depth::infinity;
        auto work = [&r, info = std::move(*info), infinite, timeout] {
            auto outcome = create(r, info, infinite, timeout);
            if (!outcome.denial) {
                outcome.body = lock_body(r, outcome.lock, timeout);
            }
            return outcome;
        };
        outcome = co_await r.ex.run_blocking(std::move(work));
    }
    if (outcome.denial) {
        answer_denial(r, std::move(*outcome.denial));
        co_return;
    }
    auto& res = r.ex.response();
    res.status = outcome.created ? 201 : 200;
    res.headers.add("Content-Type", "application/xml; charset=utf-8");
    if (!body->empty()) {
        res.headers.add("Lock-Token", "<" + outcome.lock.token + ">");
    }
    res.body.append(std::move(outcome.body));
}

asio::awaitable<void> do_unlock(Request& r) {
    auto header = r.ex.request().headers.get("Lock-Token");
    std::string_view token = header.value_or("");
    if (token.size() < 3 || token.front() != '<' || token.back() != '>') {
        fail(r.ex, 400, "UNLOCK needs a Lock-Token header: <token>");
        co_return;
    }
    token = token.substr(1, token.size() - 2);
    auto work = [&r, token = std::string(token)]() -> std::optional<Denial> {
        auto found = r.options.locks->find(token);
        if (!found) {
            return Denial{lock_table_status(found.error()), "lock table: " + found.error().message,
                          false};
        }
        const auto& lock = *found;
        if (!lock ||
            !(lock->root == r.path || (lock->infinite && storage::is_within(r.path, lock->root)))) {
            return Denial{409, error_body("lock-token-matches-request-uri"), true};
        }
        if (!lock->principal.empty() && lock->principal != r.ex.principal) {
            return Denial{403, "this lock belongs to another user", false};
        }
        if (auto removed = r.options.locks->remove(token); !removed) {
            if (removed.error().code != LockErrc::not_found) {
                // The table could not be written (a full disk: 507): the lock stays.
                return Denial{lock_table_status(removed.error()),
                              "lock table: " + removed.error().message, false};
            }
            return Denial{409, error_body("lock-token-matches-request-uri"), true};
        }
        return std::nullopt;
    };
    auto denial = co_await r.ex.run_blocking(std::move(work));
    if (denial) {
        answer_denial(r, std::move(*denial));
        co_return;
    }
    r.ex.response().status = 204;
}

} // namespace quire::dav
