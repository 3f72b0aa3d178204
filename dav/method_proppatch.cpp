// PROPPATCH (RFC 4918 section 9.2): all instructions apply or none does. A protected live
// property fails with 403 and every other instruction with 424 Failed Dependency.
#include "context.hpp"
#include "dav/lock_check.hpp"
#include "dav/properties.hpp"
#include "dav/proto/multistatus.hpp"
#include "dav/proto/xml.hpp"

namespace quire::dav {

namespace {

struct PatchOutcome {
    std::optional<Denial> denial;
    std::string body; // the multistatus
};

void append_group(std::string& out, const std::vector<PropPatchOp>& ops,
                  const std::vector<int>& statuses, int status) {
    std::string props;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (statuses[i] == status) {
            append_property_name(props, ops[i].name.ns, ops[i].name.name);
        }
    }
    if (props.empty()) {
        return;
    }
    out += "<D:propstat><D:prop>";
    out += props;
    out += "</D:prop><D:status>";
    out += status_line(status);
    out += "</D:status>";
    if (status == 403) {
        out += "<D:error><D:cannot-modify-protected-property/></D:error>";
    }
    out += "</D:propstat>";
}

} // namespace

asio::awaitable<void> do_proppatch(Request& r) {
    auto body = co_await read_xml_body(r);
    if (!body) {
        co_return;
    }
    auto ops = parse_proppatch(*body);
    if (!ops) {
        fail(r.ex, 400, "PROPPATCH body: " + ops.error());
        co_return;
    }
    auto work = [&r, ops = std::move(*ops)]() -> PatchOutcome {
        const auto pass = r.options.gate->write({r.path});
        const LockScopeToCheck self[] = {{r.path, false}};
        if (auto d = check_write(r, self)) {
            return PatchOutcome{std::move(d), {}};
        }
        auto meta = r.options.store->stat_basic(r.path);
        if (!meta) {
            return PatchOutcome{Denial{status_of(meta.error().code), meta.error().message, false},
                                {}};
        }
        std::vector<int> statuses(ops.size(), 200);
        bool refused = false;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            if (is_protected_property(ops[i].name)) {
                statuses[i] = 403;
                refused = true;
            }
        }
        if (refused) {
            for (auto& s : statuses) {
                s = s == 403 ? 403 : 424;
            }
        } else {
            std::vector<storage::PropOp> store_ops;
            store_ops.reserve(ops.size());
            for (const auto& op : ops) {
                store_ops.push_back(
                    storage::PropOp{storage::PropName{op.name.ns, op.name.name}, op.value});
            }
            if (auto patched = r.options.store->patch_props(r.path, store_ops, r.actor); !patched) {
                const int status = status_of(patched.error().code);
                for (auto& s : statuses) {
                    s = status;
                }
            }
        }
        PatchOutcome out;
        begin_multistatus(out.body);
        out.body += "<D:response><D:href>";
        append_escaped(out.body, r.href(r.path, meta->collection));
        out.body += "</D:href>";
        for (int status : {200, 403, 424, 404, 409, 500, 507}) {
            append_group(out.body, ops, statuses, status);
        }
        for (std::size_t i = 0; i < ops.size(); ++i) {
            const int s = statuses[i];
            if (s != 200 && s != 403 && s != 424 && s != 404 && s != 409 && s != 500 && s != 507) {
                append_group(out.body, ops, statuses, s);
                break;
            }
        }
        out.body += "</D:response>\n";
        end_multistatus(out.body);
        return out;
    };
    auto outcome = co_await r.ex.run_blocking(std::move(work));
    if (outcome.denial) {
        answer_denial(r, std::move(*outcome.denial));
        co_return;
    }
    multistatus(r.ex, std::move(outcome.body));
}

} // namespace quire::dav
