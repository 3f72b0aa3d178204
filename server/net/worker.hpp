// One worker thread: an io_context, its acceptors, its connections.
#pragma once

#include "connection_tracker.hpp"
#include "tls.hpp"
#include "worker_context.hpp"

#include <memory>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <tl/expected.hpp>

namespace quire::net {

class Worker {
public:
    Worker(const config::Config& config, core::BlockingPool& pool, const LogFile& access_log);

    // Opens an acceptor on endpoint with SO_REUSEPORT and the listener's socket options; tls may
    // be null.
    tl::expected<asio::ip::tcp::endpoint, std::string>
    listen(const asio::ip::tcp::endpoint& endpoint, const config::Listener& options,
           std::shared_ptr<TlsContexts> tls);

    void run();  // on the worker's thread, until stopped
    void stop(); // from any thread: graceful

private:
    struct Acceptor {
        asio::ip::tcp::acceptor acceptor;
        std::shared_ptr<TlsContexts> tls;
        bool nodelay_inherited = false; // TCP_NODELAY set on the listener
    };
    asio::awaitable<void> accept_loop(Acceptor& a);
    asio::awaitable<void> shutdown();

    // Only this worker's thread does I/O on its sockets (the blocking pool only posts results
    // back), so the reactor needs no per-descriptor locks.
    asio::io_context io_{ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    ConnectionTracker tracker_;
    WorkerContext ctx_;
    std::vector<std::unique_ptr<Acceptor>> acceptors_;
};

} // namespace quire::net
