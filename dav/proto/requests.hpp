// The XML request bodies of WebDAV methods, parsed into plain values (RFC 4918 section 14,
// RFC 6578 section 6). No I/O: fuzzed on its own (tests/fuzz/fuzz_dav_xml_body.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace quire::dav {

struct PropertyName {
    std::string ns;
    std::string name;
    bool operator==(const PropertyName&) const = default;
};

// PROPFIND (RFC 4918 section 9.1, 14.20). An empty body means allprop.
struct PropfindRequest {
    enum class Kind { allprop, propname, prop } kind = Kind::allprop;
    std::vector<PropertyName> props; // prop: the asked ones; allprop: DAV:include
};
tl::expected<PropfindRequest, std::string> parse_propfind(std::string_view body);

// PROPPATCH (RFC 4918 section 9.2, 14.19): set and remove in document order.
struct PropPatchOp {
    PropertyName name;
    std::optional<std::string> value; // set: as stored (dead_value.hpp); remove: none
};
tl::expected<std::vector<PropPatchOp>, std::string> parse_proppatch(std::string_view body);

// LOCK (RFC 4918 section 9.10, 14.11). No body means a refresh.
struct LockInfo {
    bool shared = false;
    std::string
        owner_xml; // the DAV:owner element, its content as sent, namespaces declared; may be empty
};
tl::expected<LockInfo, std::string> parse_lockinfo(std::string_view body);

// REPORT: which report and, for sync-collection (RFC 6578 section 6.1), its arguments.
struct SyncCollectionRequest {
    std::string sync_token; // empty for the initial sync
    bool infinite = false;  // sync-level
    std::optional<std::uint64_t> limit;
    PropfindRequest props;
};
struct ReportRequest {
    std::string ns;
    std::string name;
    std::optional<SyncCollectionRequest> sync_collection;
};
tl::expected<ReportRequest, std::string> parse_report(std::string_view body);

} // namespace quire::dav
