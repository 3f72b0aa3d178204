// What a handler produces: status, header fields, body, and the validators that let the
// core's output filters answer conditional and range requests for it.
#pragma once

#include "body.hpp"
#include "http/conditional.hpp"
#include "http/headers.hpp"

#include <optional>

namespace quire::core {

struct Response {
    Response() { headers.reserve(8); }

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

    // Replaces the response with an error status; the core adds the body (a custom error page
    // of the mount or vhost, or a short built-in one) when the body is left empty.
    void error(int code, std::string detail = {}) {
        status = code;
        headers.clear();
        body.clear();
        validators.reset();
        accept_ranges = false;
        error_detail = std::move(detail);
    }
    std::string error_detail; // shown in the built-in error body
};

} // namespace quire::core
