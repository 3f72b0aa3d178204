// Live and dead properties of a resource and the <D:response> that carries them in a
// PROPFIND or REPORT answer (RFC 4918 sections 9.1, 15; RFC 4331; RFC 6578 section 4).
#pragma once

#include "dav/context.hpp"
#include "dav/proto/requests.hpp"
#include "storage/store.hpp"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace quire::dav {

// Live properties that cost a store call (quota, sync-token): asked for by name only.
using ExpensiveProperty = std::function<std::optional<std::string>(std::string_view name)>;

// True for the DAV: properties this server computes; PROPPATCH may not change them.
bool is_protected_property(const PropertyName& name);

// The DAV:lockdiscovery value for the locks covering a resource.
std::string lockdiscovery_xml(const Request& r, std::span<const Lock> locks);
// One <D:activelock>.
// granted: the timeout to show (a LOCK's answer); otherwise what is left of the lock.
std::string activelock_xml(const Request& r, const Lock& lock,
                           std::optional<std::chrono::seconds> granted = std::nullopt);

// Appends one <D:response> for meta. dead: its dead properties (when the request needs them);
// locks: the locks covering it. Nothing, with a warning in the log, for a path no request URI
// can name (reachable_path).
void append_propfind_response(std::string& out, const Request& r, const storage::Meta& meta,
                              std::span<const storage::Property> dead, std::span<const Lock> locks,
                              const PropfindRequest& request, const ExpensiveProperty& expensive);

// Whether a store path could come from a request URI: valid UTF-8, without control
// characters or backslashes (http::normalize_path refuses those). Another program can give a
// file in an fs store any other name.
bool reachable_path(std::string_view path);

// True when answering the request needs dead properties.
bool needs_dead_properties(const PropfindRequest& request);
// True when the request names a property that costs a store call (quota, sync-token).
bool needs_expensive_properties(const PropfindRequest& request);
// True when answering the request needs the lock table.
bool needs_locks(const PropfindRequest& request);

} // namespace quire::dav
