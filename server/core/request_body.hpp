// The request body as an asynchronous source the handler pulls from. The core never reads a
// body whole on its own; it decodes chunked framing as the handler reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>
#include <tl/expected.hpp>

namespace quire::core {

struct BodyError {
    int status = 400; // 400 malformed, 408 timed out, 413 too large
    std::string reason;
};

class RequestBody {
public:
    virtual ~RequestBody() = default;
    // Reads up to buf.size() decoded body bytes; 0 means the body has ended.
    virtual asio::awaitable<tl::expected<std::size_t, BodyError>> read(std::span<char> buf) = 0;
    // True when the request has a body (Content-Length > 0 or chunked).
    virtual bool present() const = 0;
    // The declared length (Content-Length), or nullopt for chunked.
    virtual std::optional<std::uint64_t> declared_length() const = 0;
    // The whole body at once when it came in with the head (a declared length, nothing read
    // yet, no 100 Continue owed): a view into the connection's buffer, valid until the
    // handler's exchange ends, and the body counts as read. Otherwise nullopt, and read()
    // gives the body as usual. Saves a small PUT's copy into a buffer of its own.
    virtual std::optional<std::string_view> take_whole_if_buffered() { return std::nullopt; }
};

// Reads the whole body into memory, refusing more than limit bytes (413).
asio::awaitable<tl::expected<std::string, BodyError>> read_all(RequestBody& body,
                                                               std::size_t limit);

} // namespace quire::core
