// The strict HTTP/1.1 request head parser (RFC 9112). Pure functions over bytes: no I/O.
#pragma once

#include "request.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::http {

struct ParseLimits {
    std::size_t max_target = 8 * 1024;    // longer request-target -> 414
    std::size_t max_head = 16 * 1024;     // larger header section -> 431
    std::size_t max_fields = 100;         // more header fields -> 431
    std::uint64_t max_body = 64ull << 20; // a Content-Length above it -> 413
};

// A request the server must refuse, with the status to answer and a short reason for the body.
struct ParseError {
    int status = 400;
    std::string reason;
};

// Finds the end of the head in buf: the index just after the empty line that ends it, or
// nullopt while it is incomplete. Accepts CRLF and bare LF line ends (RFC 9112 section 2.2).
// Leading empty lines before the request line are allowed (RFC 9112 section 2.2) and are
// part of the head. If no end is found and buf is already larger than limits.max_head,
// returns a ParseError 431 (or 414 when the request line alone is too long: unfinished and
// longer than limits.max_target plus 64 bytes for the method and version). A head that ends
// beyond limits.max_head is 431 too.
tl::expected<std::optional<std::size_t>, ParseError> find_head_end(std::string_view buf,
                                                                   const ParseLimits& limits);

// Parses a complete head (as delimited by find_head_end). Rejects with 400 what RFC 9112 says
// a server MUST reject: whitespace between field name and colon, obs-fold, bare CR, invalid
// token characters, authority-form, Content-Length with Transfer-Encoding, differing
// or invalid Content-Length, Transfer-Encoding whose last coding is not chunked, missing or
// repeated Host in HTTP/1.1; 505 for a version other than 1.0/1.1; 414/431/413 for limits.
// Transfer-Encoding in an HTTP/1.0 request -> 400. 501 for the CONNECT method and for codings
// other than chunked before chunked; 417 for an Expect other than 100-continue.
tl::expected<RequestHead, ParseError> parse_head(std::string_view head, const ParseLimits& limits);

// The same, into `out`, whose storage (strings, field vector) is reused: a connection parses
// each of its requests into one head. On an error `out` holds part of the request.
tl::expected<void, ParseError> parse_head_into(std::string_view head, const ParseLimits& limits,
                                               RequestHead& out);

// True when c may appear in a token (RFC 9110 section 5.6.2).
bool is_tchar(char c);

} // namespace quire::http
