#include "worker.hpp"

#include "connection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace quire::net {

namespace {
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

http::ParseLimits parse_limits(const config::Limits& l) {
    http::ParseLimits p;
    p.max_target = l.max_target;
    p.max_head = l.max_head;
    p.max_fields = l.max_fields;
    p.max_body = l.max_body;
    return p;
}

void spawn_tls_connection(asio::ip::tcp::socket socket, const asio::ip::tcp::endpoint& peer,
                          asio::ssl::context& tls, WorkerContext& ctx) {
    using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;
    auto executor = socket.get_executor();
    auto conn =
        std::make_unique<Connection<TlsStream>>(TlsStream(std::move(socket), tls), ctx, peer);
    asio::co_spawn(executor, Connection<TlsStream>::serve(std::move(conn)), asio::detached);
}

// A performance option: a kernel that refuses it is worth a warning, not a refusal to start.
void set_listener_tcp_option(asio::ip::tcp::acceptor& acceptor, int option, std::uint32_t value,
                             const char* key, const std::string& where) {
    const int v = static_cast<int>(value);
    if (::setsockopt(acceptor.native_handle(), IPPROTO_TCP, option, &v, sizeof v) != 0) {
        spdlog::warn("{}{} not set (the kernel refused it: {})", where, key, std::strerror(errno));
    }
}

} // namespace

Worker::Worker(const config::Config& config, core::BlockingPool& pool, const LogFile& access_log)
    : tracker_(io_.get_executor()),
      ctx_{config, pool,         tracker_, access_log,        parse_limits(config.limits),
           {},     BufferPool{}, {},       RequestHeadPool{}, {}} {}

tl::expected<asio::ip::tcp::endpoint, std::string>
Worker::listen(const asio::ip::tcp::endpoint& endpoint, const config::Listener& options,
               std::shared_ptr<TlsContexts> tls) {
    asio::ip::tcp::acceptor acceptor(io_);
    std::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        int one = 1;
        if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) !=
            0) {
            ec = std::error_code(errno, std::system_category());
        }
    }
    if (!ec && endpoint.address().is_v6()) {
        acceptor.set_option(asio::ip::v6_only(true), ec);
    }
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    // Accepted sockets inherit TCP_NODELAY from the listener (Linux): no setsockopt per
    // connection.
    bool nodelay = false;
    if (!ec) {
        std::error_code nodelay_ec;
        acceptor.set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
        nodelay = !nodelay_ec;
    }
    if (!ec && options.tcp_defer_accept > 0) {
        // The kernel completes the accept when the request's first bytes arrive, not at the
        // handshake's last ACK: one wake-up per connection instead of two, and the first read
        // finds the request. A client that stays silent is handed over after about this many
        // seconds, and the head timeout applies from there.
        set_listener_tcp_option(acceptor, TCP_DEFER_ACCEPT, options.tcp_defer_accept,
                                "tcp_defer_accept", options.where);
    }
    if (!ec && options.tcp_notsent_lowat > 0) {
        // Inherited by accepted sockets like TCP_NODELAY. A connection's socket then accepts
        // more only when little is left unsent, instead of queueing up to tcp_wmem's maximum
        // (4 MiB): less memory per busy connection, and the kernel transmits most bytes in our
        // sendfile call rather than later, when the peer's ACK arrives, on the peer's CPU
        // (64 MiB files to 256 clients on loopback: 1.0 -> 2-3 GB/s; docs/performance.md).
        set_listener_tcp_option(acceptor, TCP_NOTSENT_LOWAT, options.tcp_notsent_lowat,
                                "tcp_notsent_lowat", options.where);
    }
    if (ec) {
        return tl::unexpected("cannot listen on " + endpoint.address().to_string() + ":" +
                              std::to_string(endpoint.port()) + ": " + ec.message());
    }
    auto bound = acceptor.local_endpoint(ec);
    acceptors_.push_back(
        std::make_unique<Acceptor>(Acceptor{std::move(acceptor), std::move(tls), nodelay}));
    return bound;
}

void Worker::run() {
    tracker_.start();
    for (auto& a : acceptors_) {
        asio::co_spawn(io_, accept_loop(*a), asio::detached);
    }
    io_.run();
}

void Worker::stop() {
    asio::co_spawn(io_, shutdown(), asio::detached);
}

asio::awaitable<void> Worker::accept_loop(Acceptor& a) {
    for (;;) {
        // accept(2) fills in the peer's address: no getpeername per connection.
        asio::ip::tcp::socket socket(io_);
        asio::ip::tcp::endpoint peer;
        auto [ec] = co_await a.acceptor.async_accept(socket, peer, use_nothrow);
        if (ec) {
            if (ec == asio::error::operation_aborted || !a.acceptor.is_open()) {
                co_return;
            }
            // EMFILE and friends: log, back off a little, keep serving the others.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer pause(io_, std::chrono::milliseconds(50));
            co_await pause.async_wait(use_nothrow);
            continue;
        }
        if (tracker_.size() >= ctx_.config.limits.max_connections || tracker_.shutting_down()) {
            // Over the cap: refuse this one without disturbing those being served.
            std::error_code ignored;
            socket.close(ignored);
            continue;
        }
        if (!a.nodelay_inherited) {
            std::error_code ignored;
            socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        }
        if (a.tls) {
            spawn_tls_connection(std::move(socket), peer, a.tls->main(), ctx_);
        } else {
            spawn_connection(std::move(socket), peer, ctx_);
        }
    }
}

asio::awaitable<void> Worker::shutdown() {
    for (auto& a : acceptors_) {
        std::error_code ignored;
        a->acceptor.close(ignored);
    }
    tracker_.begin_shutdown();
    const auto until = Clock::now() + ctx_.config.timeouts.grace;
    asio::steady_timer tick(io_);
    while (tracker_.size() > 0 && Clock::now() < until) {
        tick.expires_after(std::chrono::milliseconds(20));
        co_await tick.async_wait(use_nothrow);
    }
    if (tracker_.size() > 0) {
        spdlog::warn("grace time over: closing {} connection(s)", tracker_.size());
    }
    tracker_.abort_all();
}

} // namespace quire::net
