// What a handler produces: status, header fields, body, and the validators that let the
// core's output filters answer conditional and range requests for it.
#pragma once

#include "body.hpp"
#include "http/conditional.hpp"
#include "http/headers.hpp"

#include <ctime>
#include <memory>
#include <optional>

namespace quire::core {

// Content-Type, ETag and Last-Modified of a representation that a handler keeps ready (a
// cache entry), with its validators, and the same as field lines the way they go out:
// "Content-Type: ...\r\nAccept-Ranges: bytes\r\nETag: ...\r\nLast-Modified: ...\r\n".
// Lent to responses, it spares a whole 200 the copies of three strings.
struct PreparedFields {
    http::Validators validators;
    std::string content_type;
    std::string last_modified; // formatted
    std::string lines;
};

// The fields of a representation with this media type, entity-tag (quoted) and modification
// time; last_modified is its HTTP date when the caller has it already formatted.
std::shared_ptr<const PreparedFields> prepare_fields(std::string content_type, std::string etag,
                                                     std::time_t modified,
                                                     std::string last_modified = {});

struct Response {
    int status = 200;
    http::Headers headers;
    Body body;
    // When set on a 200 response with a seekable body, the core evaluates If-* preconditions
    // (RFC 9110 section 13) and Range (section 14) against it, and adds ETag/Last-Modified.
    std::optional<http::Validators> validators;
    bool accept_ranges = false; // the body may be served in parts
    // Last-Modified already formatted (a handler that caches it saves the formatting).
    std::string last_modified_text;
    bool close = false; // close the connection after this response
    // Instead of the Content-Type field, `validators`, `last_modified_text` and
    // `accept_ranges`: written as they are when the answer stays a whole 200; a request with
    // a precondition or a Range gets them turned into those members first (see
    // apply_conditional_and_range). The body must then be of known length and seekable.
    std::shared_ptr<const PreparedFields> prepared;

    // Replaces the response with an error status; the core adds the body (a custom error page
    // of the mount or vhost, or a short built-in one) when the body is left empty.
    void error(int code, std::string detail = {}) {
        status = code;
        headers.clear();
        body.clear();
        validators.reset();
        prepared.reset();
        accept_ranges = false;
        error_detail = std::move(detail);
    }
    std::string error_detail; // shown in the built-in error body
};

} // namespace quire::core
