// The content handler interface every handler implements (static, CGI, FastCGI, fd-transfer,
// WebDAV, CalDAV ...). A handler pulls the request body when it wants it and fills in the
// exchange's response; the core writes it out after its output filters.
#pragma once

#include <asio/awaitable.hpp>

namespace quire::core {

class Exchange;

enum class Outcome {
    done,     // the response is ready
    next,     // not mine: let the mount's next handler try
    takeover, // the handler took the socket (Exchange::take_socket); the core lets go
};

class Handler {
public:
    virtual ~Handler() = default;
    virtual asio::awaitable<Outcome> handle(Exchange& exchange) = 0;
};

} // namespace quire::core
