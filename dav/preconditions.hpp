// RFC 9110 section 13 preconditions (If-Match, If-None-Match, If-Unmodified-Since) for every
// WebDAV method, not only GET, PUT and DELETE: RFC 4918 section 8.1 applies them to COPY,
// MOVE, PROPPATCH, LOCK and the rest, and a false one means 412 and no change.
#pragma once

#include "dav/context.hpp"
#include "http/conditional.hpp"
#include "storage/store.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace quire::dav {

// A store's etag as an entity-tag in a field (RFC 9110 section 8.8.3: quoted), in one
// allocation.
std::string quoted_etag(std::string_view store_etag);

// The resource's validators as the conditional fields see them (exists == false when the
// store has nothing at the path).
http::Validators validators_of(const storage::Result<storage::Meta>& meta);

// Why the request's precondition fields fail for a resource with these validators, naming
// the field (RFC 9110 section 13.2.2 order), or nullopt when they hold. If-Modified-Since and
// a matching If-None-Match on GET/HEAD mean 304, not a failure, and are not reported here.
std::optional<std::string> failed_precondition(std::string_view method, const http::Headers& h,
                                               const http::Validators& v);

// For the methods that do not evaluate them themselves: looks at the target (on the blocking
// pool) only when the request has a precondition field; on a false one answers 412 with the
// reason and returns false.
asio::awaitable<bool> preconditions_hold(Request& r);

} // namespace quire::dav
