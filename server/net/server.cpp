#include "server.hpp"

#include "core/blocking_pool.hpp"
#include "worker.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/v6_only.hpp>
#include <spdlog/spdlog.h>

namespace quire::net {

namespace {

tl::expected<asio::ip::address, std::string> parse_host(const std::string& host) {
    if (host == "*" || host == "0.0.0.0") {
        return asio::ip::address_v4::any();
    }
    if (host == "::" || host == "[::]") {
        return asio::ip::address_v6::any();
    }
    std::string h = host;
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') {
        h = h.substr(1, h.size() - 2);
    }
    if (h == "localhost") {
        return asio::ip::address_v4::loopback();
    }
    std::error_code ec;
    auto addr = asio::ip::make_address(h, ec);
    if (ec) {
        return tl::unexpected("not an IP address: " + host);
    }
    return addr;
}

// SO_REUSEPORT would let us share a port with another running server of the same user and
// split its traffic; a plain bind first makes "address in use" an error, as users expect.
tl::expected<void, std::string> check_port_free(const asio::ip::tcp::endpoint& ep) {
    if (ep.port() == 0) {
        return {};
    }
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io);
    std::error_code ec;
    probe.open(ep.protocol(), ec);
    if (!ec) {
        probe.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec && ep.address().is_v6()) {
        probe.set_option(asio::ip::v6_only(true), ec);
    }
    if (!ec) {
        probe.bind(ep, ec);
    }
    if (ec) {
        return tl::unexpected("cannot listen on " + ep.address().to_string() + ":" +
                              std::to_string(ep.port()) + ": " + ec.message());
    }
    return {};
}

} // namespace

tl::expected<std::unique_ptr<Server>, std::string>
Server::create(std::shared_ptr<const config::Config> config) {
    std::unique_ptr<Server> s(new Server());
    s->config_ = std::move(config);
    const auto& cfg = *s->config_;
    auto access = LogFile::open(cfg.logging.access, 1);
    if (!access) {
        return tl::unexpected("access log " + access.error());
    }
    s->access_log_ = std::move(*access);
    s->pool_ = std::make_unique<core::BlockingPool>(std::max(1u, cfg.blocking_threads));
    unsigned workers =
        cfg.workers ? cfg.workers : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < workers; ++i) {
        s->workers_.push_back(std::make_unique<Worker>(cfg, *s->pool_, s->access_log_));
    }
    for (const auto& l : cfg.listeners) {
        auto addr = parse_host(l.host);
        if (!addr) {
            return tl::unexpected(l.where + addr.error());
        }
        std::shared_ptr<TlsContexts> tls;
        if (l.tls) {
            auto t = TlsContexts::create(l, *cfg.router);
            if (!t) {
                return tl::unexpected(l.where + t.error());
            }
            tls = std::move(*t);
        }
        asio::ip::tcp::endpoint ep(*addr, l.port);
        if (auto free = check_port_free(ep); !free) {
            return tl::unexpected(l.where + free.error());
        }
        for (auto& w : s->workers_) {
            auto bound = w->listen(ep, l, tls);
            if (!bound) {
                return tl::unexpected(l.where + bound.error());
            }
            ep = *bound; // port 0: every worker shares the port the first one got
        }
        s->endpoints_.push_back(ep);
    }
    return s;
}

Server::~Server() {
    stop();
    wait();
}

void Server::start() {
    for (auto& w : workers_) {
        threads_.emplace_back([worker = w.get()] { worker->run(); });
    }
}

void Server::stop() {
    for (auto& w : workers_) {
        w->stop();
    }
}

void Server::wait() {
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
    threads_.clear();
}

void Server::reopen_logs() {
    if (auto r = access_log_.reopen(); !r) {
        spdlog::error("cannot reopen the access log: {}", r.error());
    }
}

} // namespace quire::net
