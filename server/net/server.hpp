// The server: worker threads, each with its own io_context and its own SO_REUSEPORT acceptor
// per listener (shared-nothing), the blocking pool, and graceful stop.
#pragma once

#include "config/config.hpp"
#include "log_file.hpp"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <tl/expected.hpp>

namespace quire::core {
class BlockingPool;
}

namespace quire::net {

class Worker;

class Server {
public:
    // Binds every listener (port 0 picks a free port, shared by all workers).
    static tl::expected<std::unique_ptr<Server>, std::string>
    create(std::shared_ptr<const config::Config> config);
    ~Server();

    // Starts the worker threads and returns.
    void start();
    // Graceful stop: stop accepting, close idle connections, let in-flight requests finish
    // for up to the grace timeout, then close what remains. Safe from any thread.
    void stop();
    // Waits until every worker has ended.
    void wait();
    // Reopens the log files (SIGHUP).
    void reopen_logs();

    // The bound address of each listener, in configuration order.
    const std::vector<asio::ip::tcp::endpoint>& endpoints() const { return endpoints_; }

private:
    Server() = default;

    std::shared_ptr<const config::Config> config_;
    std::unique_ptr<core::BlockingPool> pool_;
    LogFile access_log_;
    std::vector<asio::ip::tcp::endpoint> endpoints_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
};

} // namespace quire::net
