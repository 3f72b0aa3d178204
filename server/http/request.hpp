// A parsed HTTP/1.1 request head (RFC 9112 sections 2-3, 6).
#pragma once

#include "headers.hpp"

#include <cstdint>
#include <string>

namespace quire::http {

// RFC 9112 section 3.2: the four forms of request-target.
enum class TargetForm { origin, absolute, authority, asterisk };

// How the request body is delimited (RFC 9112 section 6.3).
enum class BodyFraming { none, content_length, chunked };

struct RequestHead {
    std::string method; // the token as sent (methods are case-sensitive)
    std::string target; // the raw request-target
    TargetForm form = TargetForm::origin;
    std::string path;      // the raw (still percent-encoded) path, always starting with '/'
                           // ("*" for asterisk-form)
    std::string query;     // after '?', without it; empty when absent
    int version_minor = 1; // HTTP/1.<minor>; only 1.0 and 1.1 are accepted
    Headers headers;
    std::string host; // Host field, or the authority of an absolute-form target; lower-cased

    BodyFraming framing = BodyFraming::none;
    std::uint64_t content_length = 0; // when framing == content_length
    bool keep_alive = true;           // after Connection and version rules (RFC 9112 section 9.3)
    bool expect_continue = false;     // Expect: 100-continue

    // Fields the output filters look for, by the bit of each kind that may be present.
    // parse_head clears the bits of the kinds the request does not have, so that the common
    // request costs no lookups for them; a head built any other way keeps every bit and gets
    // the full lookups.
    static constexpr unsigned conditional_fields =
        1;                                     // If-Match, If-None-Match, If-*-Since, If-Range
    static constexpr unsigned range_field = 2; // Range
    unsigned may_have = ~0u;
};

} // namespace quire::http
