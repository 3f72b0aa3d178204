// One request/response exchange as a handler sees it.
#pragma once

#include "blocking_pool.hpp"
#include "http/request.hpp"
#include "request_body.hpp"
#include "response.hpp"
#include "unique_fd.hpp"
#include "worker_locals.hpp"

#include <string>
#include <string_view>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <tl/expected.hpp>

namespace quire::core {

struct Mount;

// The raw client connection handed over to a handler (fd-transfer): the socket and the bytes
// the core had already read past the request head (the start of the body, or pipelined data).
struct TakenSocket {
    asio::ip::tcp::socket socket;
    std::string read_ahead;
};

// What the connection provides to an exchange; implemented by the connection for each kind of
// stream (plain TCP or TLS).
class ConnectionPort {
public:
    virtual ~ConnectionPort() = default;
    virtual RequestBody& body() = 0;
    // Gives the socket away. Only on plain TCP and only before any body byte was consumed.
    virtual tl::expected<TakenSocket, std::string> take_socket() = 0;
    virtual const asio::ip::tcp::endpoint& peer() const = 0;
    virtual bool secure() const = 0;
};

class Exchange {
public:
    Exchange(const http::RequestHead& request, std::string path, const Mount& mount,
             ConnectionPort& port, BlockingPool& pool, WorkerLocals& locals,
             asio::any_io_executor executor)
        : request_(request), path_(std::move(path)), mount_(mount), port_(port), pool_(pool),
          locals_(locals), executor_(std::move(executor)) {}

    const http::RequestHead& request() const { return request_; }
    const std::string& method() const { return request_.method; }
    // The decoded, normalised request path (never escapes "/").
    const std::string& path() const { return path_; }
    // The part of path() below the mount prefix, starting with '/'.
    std::string_view path_in_mount() const;
    const Mount& mount() const { return mount_; }

    RequestBody& body() { return port_.body(); }
    Response& response() { return response_; }
    const asio::ip::tcp::endpoint& peer() const { return port_.peer(); }
    bool secure() const { return port_.secure(); }
    asio::any_io_executor executor() const { return executor_; }

    // Blocking work on the shared pool; the connection's thread stays free meanwhile.
    template <class F>
    auto run_blocking(F f) {
        return pool_.run(std::move(f));
    }

    // Per-worker state of a handler (see WorkerLocals).
    template <class T>
    T& worker_local(const void* owner) {
        return locals_.get<T>(owner);
    }

    // fd-transfer: take the raw socket right after the head. The handler must then return
    // Outcome::takeover.
    tl::expected<TakenSocket, std::string> take_socket() { return port_.take_socket(); }

    // The authenticated user, set by the authentication phase (empty when anonymous).
    std::string principal;
    // False when that phase lets this client only read here (a read_only mount, a user
    // among the readers): handlers then leave write methods out of what they offer (Allow).
    bool may_write = true;

private:
    const http::RequestHead& request_;
    std::string path_;
    const Mount& mount_;
    ConnectionPort& port_;
    BlockingPool& pool_;
    WorkerLocals& locals_;
    asio::any_io_executor executor_;
    Response response_;
};

} // namespace quire::core
