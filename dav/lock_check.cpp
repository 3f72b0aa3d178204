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
        for (const auto& l : all) {
            if (is_submitted(l)) {
                continue;
            }
            if (l.scope == LockScope::exclusive) {
                return locked(r, l.root);
            }
            const bool sibling_ok = std::any_of(all.begin(), all.end(), [&](const Lock& o) {
                return o.scope == LockScope::shared && o.root == l.root && is_submitted(o);
            });
            if (!sibling_ok) {
                return locked(r, l.root);
            }
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
