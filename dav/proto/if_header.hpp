// The WebDAV If request header (RFC 4918 section 10.4): parsing the full grammar and evaluating
// it against the state of resources that the caller supplies.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace quire::dav {

struct IfCondition {
    bool negated = false; // "Not"
    enum class Kind { state_token, etag } kind = Kind::state_token;
    // State token: the Coded-URL without <> ("urn:uuid:..." or "DAV:no-lock"). Entity-tag: as
    // sent inside [] ("\"abc\"" or "W/\"abc\"").
    std::string value;

    friend bool operator==(const IfCondition&, const IfCondition&) = default;
};

struct IfList {
    // Tagged list: the Resource-Tag without <> (absolute URI or absolute path, as sent);
    // nullopt for an untagged list, which applies to the request URI.
    std::optional<std::string> resource;
    std::vector<IfCondition> conditions; // ANDed

    friend bool operator==(const IfList&, const IfList&) = default;
};

struct IfHeader {
    std::vector<IfList> lists; // ORed

    friend bool operator==(const IfHeader&, const IfHeader&) = default;
};

// RFC 4918 10.4.2. Header values longer than 64 KiB are refused. The error says what is wrong
// and at which byte offset.
tl::expected<IfHeader, std::string> parse_if_header(std::string_view value);

// Every state token in the header, negated ones included, in order of first appearance and
// without duplicates: the lock tokens the client has "submitted" (RFC 4918 10.4.1).
std::vector<std::string> submitted_tokens(const IfHeader& header);

struct IfResourceState {
    bool exists = false;
    std::string etag;                     // current strong entity-tag with quotes, "" when none
    std::vector<std::string> lock_tokens; // tokens of the locks covering the resource
};

// RFC 4918 10.4.3-10.4.4: true when any list is true; a list is true when all its conditions
// are. A state token matches when it is one of the resource's lock tokens ("DAV:no-lock" never
// does); an entity-tag matches the current one by strong comparison, or by weak comparison when
// the client sent a weak tag. resolve maps a Resource-Tag to a lookup key (nullopt when the
// resource is not on this server: its lists are then false); untagged lists use request_key.
bool evaluate_if(const IfHeader& header, std::string_view request_key,
                 const std::function<std::optional<std::string>(std::string_view uri)>& resolve,
                 const std::function<IfResourceState(std::string_view key)>& lookup);

} // namespace quire::dav
