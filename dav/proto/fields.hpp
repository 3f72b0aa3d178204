// The WebDAV request header fields other than If (RFC 4918 section 10): Depth, Overwrite,
// Timeout and Destination.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::dav {

enum class Depth { zero, one, infinity };

// RFC 4918 10.2: "0", "1" or "infinity" (case-insensitive); nullopt when absent, an error
// message when malformed.
tl::expected<std::optional<Depth>, std::string> parse_depth(std::optional<std::string_view> value);

// RFC 4918 10.6: "T" or "F"; absent means T.
tl::expected<bool, std::string> parse_overwrite(std::optional<std::string_view> value);

// RFC 4918 10.7: the first acceptable of "Second-N" / "Infinite", clamped to [min, max];
// absent or unusable values give fallback.
std::chrono::seconds parse_timeout(std::optional<std::string_view> value,
                                   std::chrono::seconds fallback, std::chrono::seconds max);

// RFC 4918 10.3: the path of an absolute URI or absolute path ("http://h:1/a%20b" ->
// "/a%20b"), still percent-encoded; host is the authority when one was given (lower-cased).
struct Destination {
    std::string authority; // empty for an absolute path
    std::string scheme;    // "http", "https" or empty
    std::string path;      // raw, starts with '/'
};
tl::expected<Destination, std::string> parse_destination(std::string_view value);

} // namespace quire::dav

namespace quire::dav {

// RFC 6578 section 6.2: a DAV:sync-token is a URI. A store's token (opaque text) goes out
// under a fixed prefix in the reserved .invalid domain (RFC 6761), which names nothing.
inline constexpr std::string_view sync_token_prefix = "http://quire.invalid/ns/sync/";
std::string sync_token_uri(std::string_view store_token);
// The store's token inside a client's sync-token: the URI's tail, or the whole text for a
// token without the prefix (one issued before tokens were URIs; the store judges it).
std::string_view store_token_of(std::string_view uri);

} // namespace quire::dav
