// The status line and header section of a response (RFC 9112 sections 4 and 5), written in
// one pass into a buffer whose capacity is reused from response to response.
#pragma once

#include "core/response.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quire::net {

// How the core frames the body; the framing fields are the core's, never the handler's.
struct HeadFraming {
    // Content-Length: the body's length when known; none for statuses without a body
    // (1xx, 204, 304), whose length would be wrong.
    std::optional<std::uint64_t> length;
    bool chunked = false; // Transfer-Encoding: chunked
    bool keep_alive = true;
    bool http10 = false; // an HTTP/1.0 client keeping the connection is told so
};

// Replaces `out` with the head: status line, Server, Date, the handler's fields (without
// Connection, Content-Length, Transfer-Encoding), the framing fields, the empty line.
void build_response_head(std::string& out, const core::Response& r, std::string_view date,
                         const HeadFraming& framing);

} // namespace quire::net
