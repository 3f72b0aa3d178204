#include "properties.hpp"

#include <algorithm>

#include "dav/proto/multistatus.hpp"
#include "dav/proto/xml.hpp"
#include "dav/proto/xml_text.hpp"
#include "http/date.hpp"
#include "http/utf8.hpp"
#include "storage/path.hpp"

#include <array>
#include <ctime>

#include <spdlog/spdlog.h>

namespace quire::dav {

namespace {

// Computed for every resource; in allprop (RFC 4918 section 9.1: the live properties of this
// document) and in propname.
constexpr std::array<std::string_view, 9> cheap_live = {
    "resourcetype",   "getetag",       "getlastmodified", "creationdate", "getcontentlength",
    "getcontenttype", "supportedlock", "lockdiscovery",   "displayname"};
// Only when asked by name (RFC 4331 section 3, RFC 6578 section 4, RFC 3253 section 3.1.5),
// and only on collections.
constexpr std::array<std::string_view, 4> expensive_live = {
    "quota-available-bytes", "quota-used-bytes", "sync-token", "supported-report-set"};

std::string rfc3339(storage::Clock::time_point t) {
    const auto u = http::utc_time(storage::Clock::to_time_t(t));
    // RFC 3339 "YYYY-MM-DDThh:mm:ssZ" (RFC 4918 section 15.1), by hand: strftime is slow
    // enough to show in a PROPFIND of a thousand members.
    const int year = std::clamp(u.year, 0, 9999);
    const int fields[] = {year / 100, year % 100, u.month, u.day, u.hour, u.minute, u.second};
    std::string out = "0000-00-00T00:00:00Z";
    const std::size_t at[] = {0, 2, 5, 8, 11, 14, 17};
    for (std::size_t i = 0; i < std::size(fields); ++i) {
        out[at[i]] = static_cast<char>('0' + fields[i] / 10);
        out[at[i] + 1] = static_cast<char>('0' + fields[i] % 10);
    }
    return out;
}

constexpr std::string_view supportedlock_value =
    "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
    "</D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/>"
    "</D:locktype></D:lockentry>";

// The value of a cheap live property, or nullopt when the resource has none.
std::optional<std::string> live_value(const Request& r, const storage::Meta& m,
                                      std::string_view name, std::span<const Lock> locks,
                                      std::span<const storage::Property> dead) {
    if (name == "resourcetype") {
        return m.collection ? std::string("<D:collection/>") : std::string();
    }
    if (name == "getetag") {
        if (m.etag.empty()) {
            return std::nullopt;
        }
        std::string v = "\"";
        append_escaped(v, m.etag);
        v += '"';
        return v;
    }
    if (name == "getlastmodified") {
        return http::format_http_date(storage::Clock::to_time_t(m.modified));
    }
    if (name == "creationdate") {
        return rfc3339(m.created == storage::Clock::time_point{} ? m.modified : m.created);
    }
    if (name == "getcontentlength") {
        return m.collection ? std::nullopt : std::optional(std::to_string(m.size));
    }
    if (name == "getcontenttype") {
        if (m.collection || m.content_type.empty()) {
            return std::nullopt;
        }
        std::string v;
        append_escaped(v, m.content_type);
        return v;
    }
    if (name == "supportedlock") {
        return std::string(supportedlock_value);
    }
    if (name == "lockdiscovery") {
        return lockdiscovery_xml(r, locks);
    }
    if (name == "displayname") {
        for (const auto& p : dead) {
            if (p.name.ns == dav_ns && p.name.name == "displayname") {
                return p.value;
            }
        }
        // A name with a character XML cannot carry (U+FFFE, U+FFFF: XML 1.0 section 2.2; no
        // escape exists for them) has no displayname, rather than make the answer malformed.
        const auto name = storage::name_of(m.path);
        if (illegal_xml_char(name)) {
            return std::nullopt;
        }
        std::string v;
        append_escaped(v, name);
        return v;
    }
    return std::nullopt;
}

bool is_cheap_live(std::string_view ns, std::string_view name) {
    if (ns != dav_ns) {
        return false;
    }
    for (auto n : cheap_live) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

bool is_expensive_live(std::string_view ns, std::string_view name) {
    if (ns != dav_ns) {
        return false;
    }
    for (auto n : expensive_live) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

void open_propstat(std::string& out) {
    out += "<D:propstat><D:prop>";
}
void close_propstat(std::string& out, int status) {
    out += "</D:prop><D:status>";
    out += status_line(status);
    out += "</D:status></D:propstat>";
}

} // namespace

bool is_protected_property(const PropertyName& name) {
    return name.ns == dav_ns && name.name != "displayname" &&
           (is_cheap_live(name.ns, name.name) || is_expensive_live(name.ns, name.name));
}

bool needs_dead_properties(const PropfindRequest& request) {
    if (request.kind != PropfindRequest::Kind::prop) {
        return true;
    }
    for (const auto& p : request.props) {
        if (!is_cheap_live(p.ns, p.name) && !is_expensive_live(p.ns, p.name)) {
            return true;
        }
        if (p.ns == dav_ns && p.name == "displayname") {
            return true;
        }
    }
    return false;
}

bool needs_expensive_properties(const PropfindRequest& request) {
    // allprop names them only through DAV:include, which is request.props too.
    for (const auto& p : request.props) {
        if (is_expensive_live(p.ns, p.name)) {
            return true;
        }
    }
    return false;
}

bool needs_locks(const PropfindRequest& request) {
    if (request.kind != PropfindRequest::Kind::prop) {
        return true;
    }
    for (const auto& p : request.props) {
        if (p.ns == dav_ns && p.name == "lockdiscovery") {
            return true;
        }
    }
    return false;
}

std::string activelock_xml(const Request& r, const Lock& lock,
                           std::optional<std::chrono::seconds> granted) {
    std::string out = "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>";
    out += lock.scope == LockScope::exclusive ? "<D:exclusive/>" : "<D:shared/>";
    out += "</D:lockscope><D:depth>";
    out += lock.infinite ? "infinity" : "0";
    out += "</D:depth>";
    out += lock.owner_xml;
    // Rounded up: a lock with 99.5 s left has not lost its 100th second yet.
    const auto left = granted ? granted->count()
                              : std::chrono::ceil<std::chrono::seconds>(
                                    lock.expires - std::chrono::system_clock::now())
                                    .count();
    out += "<D:timeout>Second-";
    out += std::to_string(left > 0 ? left : 0);
    out += "</D:timeout><D:locktoken><D:href>";
    append_escaped(out, lock.token);
    out += "</D:href></D:locktoken><D:lockroot><D:href>";
    append_escaped(out, r.lock_root_href(lock.root));
    out += "</D:href></D:lockroot></D:activelock>";
    return out;
}

std::string lockdiscovery_xml(const Request& r, std::span<const Lock> locks) {
    std::string out;
    for (const auto& l : locks) {
        out += activelock_xml(r, l);
    }
    return out;
}

bool reachable_path(std::string_view path) {
    if (!http::valid_utf8(path)) {
        return false;
    }
    for (char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '\\') {
            return false;
        }
    }
    return true;
}

void append_propfind_response(std::string& out, const Request& r, const storage::Meta& meta,
                              std::span<const storage::Property> dead, std::span<const Lock> locks,
                              const PropfindRequest& request, const ExpensiveProperty& expensive) {
    if (!reachable_path(meta.path)) {
        // A name another program gave a file (fs store) that no request URI can name: left
        // out, so that the listing stays well-formed XML (XML 1.0 forbids such characters).
        spdlog::warn("not listed: {:?} has a name no URL can reach (invalid UTF-8, a control "
                     "character or a backslash)",
                     meta.path);
        return;
    }
    out += "<D:response><D:href>";
    append_escaped(out, r.href(meta.path, meta.collection));
    out += "</D:href>";
    using Kind = PropfindRequest::Kind;
    if (request.kind == Kind::propname) {
        open_propstat(out);
        for (auto n : cheap_live) {
            if (live_value(r, meta, n, locks, dead)) {
                append_property_name(out, dav_ns, n);
            }
        }
        for (const auto& p : dead) {
            if (!(p.name.ns == dav_ns && p.name.name == "displayname")) {
                append_property_name(out, p.name.ns, p.name.name);
            }
        }
        close_propstat(out, 200);
        out += "</D:response>\n";
        return;
    }
    // Found properties are written straight into out (no temporary copy of large values);
    // the propstat is taken back out if nothing was found.
    const auto propstat_start = out.size();
    open_propstat(out);
    const auto values_start = out.size();
    std::string missing;
    auto add_named = [&](const PropertyName& p) {
        std::optional<std::string> v;
        if (is_cheap_live(p.ns, p.name)) {
            v = live_value(r, meta, p.name, locks, dead);
        } else if (is_expensive_live(p.ns, p.name)) {
            v = meta.collection && expensive ? expensive(p.name) : std::nullopt;
        } else {
            for (const auto& d : dead) {
                if (d.name.ns == p.ns && d.name.name == p.name) {
                    append_property(out, p.ns, p.name, d.value);
                    return;
                }
            }
        }
        if (v) {
            append_property(out, p.ns, p.name, *v);
        } else {
            append_property_name(missing, p.ns, p.name);
        }
    };
    if (request.kind == Kind::allprop) {
        for (auto n : cheap_live) {
            if (auto v = live_value(r, meta, n, locks, dead)) {
                append_property(out, dav_ns, n, *v);
            }
        }
        for (const auto& p : dead) {
            if (!(p.name.ns == dav_ns && p.name.name == "displayname")) {
                append_property(out, p.name.ns, p.name.name, p.value);
            }
        }
        // DAV:include names properties allprop leaves out (RFC 4918 section 14.8).
        for (const auto& p : request.props) {
            if (is_expensive_live(p.ns, p.name)) {
                add_named(p);
            }
        }
    } else {
        for (const auto& p : request.props) {
            add_named(p);
        }
    }
    if (out.size() > values_start || missing.empty()) {
        // An empty <D:prop> asked for nothing: still one propstat (RFC 4918 section 14.24).
        close_propstat(out, 200);
    } else {
        out.resize(propstat_start);
    }
    if (!missing.empty()) {
        open_propstat(out);
        out += missing;
        close_propstat(out, 404);
    }
    out += "</D:response>\n";
}

} // namespace quire::dav
