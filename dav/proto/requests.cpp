#include "requests.hpp"

#include "dead_value.hpp"
#include "raw_content.hpp"
#include "xml.hpp"

#include <optional>

#include <charconv>

namespace quire::dav {

namespace {

std::string unexpected_root(pugi::xml_node root, std::string_view want) {
    const auto q = qname(root);
    // The element found in Clark notation ({namespace}name), or the bare name when it has none.
    // (appended piece by piece: g++ 12 -O3 warns wrongly, -Wrestrict, on chained + here)
    std::string out = "expected <DAV:";
    out += want;
    out += "> as the root element, got ";
    if (q.ns.empty()) {
        out += q.local;
        out += " (in no namespace)";
    } else {
        out += '{';
        out += q.ns;
        out += '}';
        out += q.local;
    }
    return out;
}

// The text of an element without the whitespace around it: parse_xml keeps whitespace-only
// text (for property values), which must not matter in a token or a number.
std::string_view trimmed_text(pugi::xml_node element) {
    std::string_view text = element.text().get();
    const auto start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        return {};
    }
    return text.substr(start, text.find_last_not_of(" \t\r\n") - start + 1);
}

std::vector<PropertyName> names_in(pugi::xml_node prop) {
    std::vector<PropertyName> out;
    for (auto c : prop.children()) {
        if (c.type() == pugi::node_element) {
            const auto q = qname(c);
            out.push_back(PropertyName{std::string(q.ns), std::string(q.local)});
        }
    }
    return out;
}

tl::expected<PropfindRequest, std::string> propfind_from(pugi::xml_node root) {
    PropfindRequest r;
    bool chosen = false;
    for (auto c : root.children()) {
        if (c.type() != pugi::node_element) {
            continue;
        }
        if (is(c, dav_ns, "include")) {
            auto names = names_in(c);
            r.props.insert(r.props.end(), names.begin(), names.end());
            continue;
        }
        PropfindRequest::Kind kind;
        if (is(c, dav_ns, "allprop")) {
            kind = PropfindRequest::Kind::allprop;
        } else if (is(c, dav_ns, "propname")) {
            kind = PropfindRequest::Kind::propname;
        } else if (is(c, dav_ns, "prop")) {
            kind = PropfindRequest::Kind::prop;
            r.props = names_in(c);
        } else {
            continue; // RFC 4918 section 17: unknown elements are ignored
        }
        if (chosen) {
            return tl::unexpected(
                std::string("<DAV:propfind> must hold exactly one of allprop, propname and prop"));
        }
        chosen = true;
        r.kind = kind;
    }
    if (!chosen) {
        return tl::unexpected(
            std::string("<DAV:propfind> holds none of allprop, propname and prop"));
    }
    return r;
}

} // namespace

tl::expected<PropfindRequest, std::string> parse_propfind(std::string_view body) {
    if (body.empty()) {
        return PropfindRequest{};
    }
    auto doc = parse_xml(body);
    if (!doc) {
        return tl::unexpected(doc.error());
    }
    if (!is(doc->root(), dav_ns, "propfind")) {
        return tl::unexpected(unexpected_root(doc->root(), "propfind"));
    }
    return propfind_from(doc->root());
}

// What the values of one PROPPATCH may take in all once stored (dead_value.hpp).
constexpr std::size_t max_stored_values = 16u << 20;

tl::expected<std::vector<PropPatchOp>, std::string> parse_proppatch(std::string_view body) {
    auto doc = parse_xml(body);
    if (!doc) {
        return tl::unexpected(doc.error());
    }
    if (!is(doc->root(), dav_ns, "propertyupdate")) {
        return tl::unexpected(unexpected_root(doc->root(), "propertyupdate"));
    }
    std::vector<PropPatchOp> ops;
    std::optional<RawContent> raw; // made at the first set
    std::size_t stored = 0;
    for (auto c : doc->root().children()) {
        const bool set = is(c, dav_ns, "set");
        if (!set && !is(c, dav_ns, "remove")) {
            continue;
        }
        auto prop = child(c, dav_ns, "prop");
        if (!prop) {
            return tl::unexpected(std::string("<DAV:set> and <DAV:remove> need a <DAV:prop>"));
        }
        std::optional<std::string> scope; // declarations_in_scope(prop), found at the first set
        for (auto p : prop.children()) {
            if (p.type() != pugi::node_element) {
                continue;
            }
            const auto q = qname(p);
            PropPatchOp op{PropertyName{std::string(q.ns), std::string(q.local)}, std::nullopt};
            if (set) {
                if (const auto lang = xml_lang(p); !lang.empty()) {
                    // Values of xml:lang are language tags (XML 1.0 section 2.12, RFC 5646:
                    // letters, digits, hyphens).
                    if (lang.size() > 64 ||
                        lang.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                                               "VWXYZ0123456789-") != std::string_view::npos) {
                        return tl::unexpected("xml:lang \"" + std::string(lang.substr(0, 64)) +
                                              "\" is not a language tag");
                    }
                }
                if (!raw) {
                    auto r = RawContent::of(body);
                    if (!r) {
                        return tl::unexpected(r.error());
                    }
                    raw.emplace(std::move(*r));
                }
                if (!scope) {
                    scope = declarations_in_scope(prop);
                }
                // Kept byte for byte, with what it needs from around it (dead_value.hpp).
                op.value = encode_dead_value(p, *scope, raw->content(p));
                // Each value carries the declarations in scope: bounded in all, so that a body
                // of many values under many declarations cannot make gigabytes of them.
                stored += op.value->size();
                if (stored > max_stored_values) {
                    return tl::unexpected(
                        "the values of this PROPPATCH with the namespace declarations in scope "
                        "around them take more than " +
                        std::to_string(max_stored_values >> 20) + " MiB to store");
                }
            }
            ops.push_back(std::move(op));
        }
    }
    if (ops.empty()) {
        return tl::unexpected(std::string("<DAV:propertyupdate> names no property"));
    }
    return ops;
}

tl::expected<LockInfo, std::string> parse_lockinfo(std::string_view body) {
    auto doc = parse_xml(body);
    if (!doc) {
        return tl::unexpected(doc.error());
    }
    const auto root = doc->root();
    if (!is(root, dav_ns, "lockinfo")) {
        return tl::unexpected(unexpected_root(root, "lockinfo"));
    }
    LockInfo info;
    const auto scope = child(root, dav_ns, "lockscope");
    const auto type = child(root, dav_ns, "locktype");
    if (!scope || !type) {
        return tl::unexpected(
            std::string("<DAV:lockinfo> needs <DAV:lockscope> and <DAV:locktype>"));
    }
    if (child(scope, dav_ns, "shared")) {
        info.shared = true;
    } else if (!child(scope, dav_ns, "exclusive")) {
        return tl::unexpected(std::string("<DAV:lockscope> must be exclusive or shared"));
    }
    if (!child(type, dav_ns, "write")) {
        return tl::unexpected(std::string("only <DAV:write> locks exist"));
    }
    if (const auto owner = child(root, dav_ns, "owner")) {
        // The owner element comes back in lockdiscovery as the client wrote its content (RFC
        // 4918 section 14.17: ANY), with the namespaces in scope declared on it.
        auto raw = RawContent::of(body);
        if (!raw) {
            return tl::unexpected(raw.error());
        }
        const auto content = raw->content(owner);
        std::string& xml = info.owner_xml;
        xml = '<';
        xml += owner.name();
        xml += declarations_in_scope(owner);
        for (auto a : owner.attributes()) {
            const std::string_view name = a.name();
            if (name != "xmlns" && !name.starts_with("xmlns:")) {
                xml += ' ';
                xml += name;
                xml += "=\"";
                append_escaped(xml, a.value());
                xml += '"';
            }
        }
        if (content.empty()) {
            xml += "/>";
        } else {
            xml += '>';
            xml += content;
            xml += "</";
            xml += owner.name();
            xml += '>';
        }
    }
    return info;
}

tl::expected<ReportRequest, std::string> parse_report(std::string_view body) {
    auto doc = parse_xml(body);
    if (!doc) {
        return tl::unexpected(doc.error());
    }
    const auto root = doc->root();
    const auto q = qname(root);
    ReportRequest r{std::string(q.ns), std::string(q.local), std::nullopt};
    if (!is(root, dav_ns, "sync-collection")) {
        return r;
    }
    SyncCollectionRequest s;
    const auto token = child(root, dav_ns, "sync-token");
    s.sync_token = token ? std::string(trimmed_text(token)) : std::string();
    const auto level = child(root, dav_ns, "sync-level");
    if (!level) {
        return tl::unexpected(std::string("<DAV:sync-collection> needs <DAV:sync-level>"));
    }
    const std::string_view lv = trimmed_text(level);
    if (lv == "infinite") {
        s.infinite = true;
    } else if (lv != "1") {
        return tl::unexpected("<DAV:sync-level> must be 1 or infinite, not '" + std::string(lv) +
                              "'");
    }
    if (const auto limit = child(root, dav_ns, "limit")) {
        const auto n = child(limit, dav_ns, "nresults");
        const std::string_view v = trimmed_text(n);
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
        if (!n || ec != std::errc{} || end != v.data() + v.size()) {
            return tl::unexpected(std::string("<DAV:limit> needs a numeric <DAV:nresults>"));
        }
        s.limit = value;
    }
    if (const auto prop = child(root, dav_ns, "prop")) {
        s.props.kind = PropfindRequest::Kind::prop;
        s.props.props = names_in(prop);
    }
    r.sync_collection = std::move(s);
    return r;
}

} // namespace quire::dav
