#include "lock_check.hpp"

#include "dav/preconditions.hpp"
#include "dav/proto/multistatus.hpp"
#include "dav/proto/xml.hpp"
#include "storage/path.hpp"

#include <algorithm>

namespace quire::dav {

namespace {

IfResourceState state_of(const Request& r, std::string_view path) {
    IfResourceState s;
    if (auto meta = r.options.store->stat_basic(path)) {
        s.exists = true;
        if (!meta->etag.empty()) {
            s.etag = quoted_etag(meta->etag);
        }
    }
    if (auto locks = r.options.locks->covering(path)) {
        for (auto& l : *locks) {
            s.lock_tokens.push_back(std::move(l.token));
        }
    }
    return s;
}

Denial locked(const Request& r, std::string_view root) {
    std::string inner = "<D:href>";
    append_escaped(inner, r.lock_root_href(root));
    inner += "</D:href>";
    return Denial{423, error_body("lock-token-submitted", inner), true};
}

// RFC 4918 sections 9.6.1 and 9.6.2 (DELETE), 9.8.8 (COPY), 9.9.4 (MOVE): when only members
// of the collection a request changes are locked, the answer is a 207 naming each with 423,
// and without a 424 for the collection (a client infers that an ancestor of a member that
// failed was not changed). Nothing is changed: the backends work all or nothing.
Denial members_locked(const Request& r, const std::vector<std::string>& roots) {
    std::string out;
    begin_multistatus(out);
    for (const auto& root : roots) {
        const std::string href = r.lock_root_href(root);
        std::string error = "<D:error><D:lock-token-submitted><D:href>";
        append_escaped(error, href);
        error += "</D:href></D:lock-token-submitted></D:error>";
        append_status_response(out, href, 423, error);
    }
    end_multistatus(out);
    return Denial{207, std::move(out), true};
}

} // namespace

std::vector<std::string> submitted(const Request& r) {
    return r.if_header ? submitted_tokens(*r.if_header) : std::vector<std::string>{};
}

std::optional<Denial> check_if_header(const Request& r) {
    if (!r.if_header) {
        return std::nullopt;
    }
    const bool ok = evaluate_if(
        *r.if_header, r.path, [&](std::string_view uri) { return r.store_path_of(uri); },
        [&](std::string_view key) { return state_of(r, key); });
    if (!ok) {
        return Denial{412, "the If header does not match the state of the resource", false};
    }
    return std::nullopt;
}

std::optional<Denial> check_write(const Request& r, std::span<const LockScopeToCheck> scopes) {
    if (auto d = check_if_header(r)) {
        return d;
    }
    if (auto any = r.options.locks->any(); any && !*any) {
        return std::nullopt; // nothing is locked anywhere
    }
    const auto tokens = submitted(r);
    auto is_submitted = [&](const Lock& l) {
        return std::find(tokens.begin(), tokens.end(), l.token) != tokens.end() &&
               (l.principal.empty() || l.principal == r.ex.principal);
    };
    for (const auto& scope : scopes) {
        auto covering = r.options.locks->covering(scope.path);
        if (!covering) {
            return Denial{lock_table_status(covering.error()),
                          "lock table: " + covering.error().message, false};
        }
        std::vector<Lock> all = std::move(*covering);
        if (scope.with_members) {
            auto within = r.options.locks->within(scope.path);
            if (!within) {
                return Denial{lock_table_status(within.error()),
                              "lock table: " + within.error().message, false};
            }
            for (auto& l : *within) {
                if (std::none_of(all.begin(), all.end(),
                                 [&](const Lock& o) { return o.token == l.token; })) {
                    all.push_back(std::move(l));
                }
            }
        }
        // An exclusive lock needs its own token; shared locks on the same root need one of
        // theirs (RFC 4918 section 6.1).
        std::vector<std::string> locked_members;
        for (const auto& l : all) {
            if (is_submitted(l)) {
                continue;
            }
            const bool sibling_ok =
                l.scope == LockScope::shared &&
                std::any_of(all.begin(), all.end(), [&](const Lock& o) {
                    return o.scope == LockScope::shared && o.root == l.root && is_submitted(o);
                });
            if (sibling_ok) {
                continue;
            }
            if (!scope.with_members || l.root == scope.path ||
                !storage::is_within(l.root, scope.path)) {
                return locked(r, l.root); // the resource itself is locked
            }
            if (std::find(locked_members.begin(), locked_members.end(), l.root) ==
                locked_members.end()) {
                locked_members.push_back(l.root);
            }
        }
        if (!locked_members.empty()) {
            return members_locked(r, locked_members);
        }
    }
    return std::nullopt;
}

} // namespace quire::dav

namespace quire::dav {
void remove_locks_within(const Request& r, const std::string& path) {
    if (auto any = r.options.locks->any(); any && !*any) {
        return;
    }
    (void)r.options.locks->remove_within(path);
}

void answer_denial(Request& r, Denial d) {
    if (d.xml) {
        fail_xml(r.ex, d.status, std::move(d.body));
    } else {
        fail(r.ex, d.status, std::move(d.body));
    }
}
int lock_table_status(const LockError& e) {
    return e.code == LockErrc::full ? 507 : 500;
}

} // namespace quire::dav
