#include "connection.hpp"

#include "access_log_line.hpp"
#include "core/methods.hpp"
#include "core/output_filters.hpp"
#include "http/parser.hpp"
#include "http/path.hpp"
#include "http/status.hpp"
#include "response_head.hpp"
#include "sendfile.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <sys/socket.h>
#include <tuple>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/ssl.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

namespace quire::net {

namespace {

constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);
// A file body up to this size is read into memory and sent with the head in one write;
// larger ones go out with sendfile(2) on plain TCP.
constexpr std::uint64_t inline_file_limit = 16 * 1024;
constexpr std::size_t drain_limit = 256 * 1024;

bool has_no_body(int status) {
    return status < 200 || status == 204 || status == 304;
}

// RFC 9112 section 7.1: chunk-size is hexadecimal, followed by CRLF (without snprintf, which
// was 9% of the instructions of a keep-alive request when it wrote the head's numbers).
void append_chunk_size(std::string& out, std::uint64_t size) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, size, 16).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
    out += "\r\n";
}

} // namespace

// ---------------------------------------------------------------- BodyReader

template <class Stream>
void BodyReader<Stream>::reset(const http::RequestHead& head, std::uint64_t max_body) {
    framing_ = head.framing;
    declared_ = head.content_length;
    remaining_ = head.framing == http::BodyFraming::content_length ? head.content_length : 0;
    expect_continue_ = head.expect_continue;
    started_ = false;
    failed_ = false;
    finished_ = framing_ == http::BodyFraming::none ||
                (framing_ == http::BodyFraming::content_length && remaining_ == 0);
    decoded_.clear();
    decoded_pos_ = 0;
    chunked_.reset();
    if (framing_ == http::BodyFraming::chunked) {
        http::ChunkedDecoder::Limits limits;
        limits.max_body = max_body;
        chunked_ = std::make_unique<http::ChunkedDecoder>(limits);
    }
}

template <class Stream>
std::optional<std::uint64_t> BodyReader<Stream>::declared_length() const {
    if (framing_ == http::BodyFraming::content_length) {
        return declared_;
    }
    if (framing_ == http::BodyFraming::none) {
        return 0;
    }
    return std::nullopt;
}

template <class Stream>
std::optional<std::string_view> BodyReader<Stream>::take_whole_if_buffered() {
    // Not started: a 100 Continue owed would be sent by start(), and the client may not have
    // sent the body yet. Nothing is consumed when it is not all here.
    if (started_ || failed_ || finished_ || framing_ != http::BodyFraming::content_length ||
        c_.pending().size() < remaining_) {
        return std::nullopt;
    }
    const auto whole = c_.pending().substr(0, static_cast<std::size_t>(remaining_));
    // The buffer is kept until the handler is done: only run() hands it back, between requests.
    c_.consume(whole.size());
    started_ = true;
    remaining_ = 0;
    finished_ = true;
    return whole;
}

template <class Stream>
asio::awaitable<tl::expected<void, core::BodyError>> BodyReader<Stream>::start() {
    started_ = true;
    // RFC 9110 section 10.1.1: the client waits for 100 (Continue) before sending the body.
    if (expect_continue_ && c_.pending().empty() && !finished_) {
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await c_.write_all(cont)) {
            failed_ = true;
            co_return tl::unexpected(core::BodyError{400, "connection lost"});
        }
    }
    co_return tl::expected<void, core::BodyError>{};
}

template <class Stream>
asio::awaitable<tl::expected<std::size_t, core::BodyError>>
BodyReader<Stream>::read(std::span<char> buf) {
    using Result = tl::expected<std::size_t, core::BodyError>;
    if (failed_) {
        co_return tl::unexpected(core::BodyError{400, "the request body failed earlier"});
    }
    if (finished_ || buf.empty()) {
        co_return Result(0);
    }
    if (!started_) {
        if (auto ok = co_await start(); !ok) {
            co_return tl::unexpected(ok.error());
        }
    }
    const auto idle = c_.ctx_.config.timeouts.body_idle;
    if (framing_ == http::BodyFraming::content_length) {
        if (c_.pending().empty()) {
            if (!co_await c_.read_more(idle)) {
                failed_ = true;
                co_return tl::unexpected(
                    core::BodyError{400, "the connection ended before the request body did"});
            }
        }
        auto avail = c_.pending();
        std::size_t n = std::min<std::uint64_t>({avail.size(), remaining_, buf.size()});
        std::memcpy(buf.data(), avail.data(), n);
        c_.consume(n);
        remaining_ -= n;
        finished_ = remaining_ == 0;
        co_return Result(n);
    }
    // chunked
    for (;;) {
        if (decoded_pos_ < decoded_.size()) {
            std::size_t n = std::min(buf.size(), decoded_.size() - decoded_pos_);
            std::memcpy(buf.data(), decoded_.data() + decoded_pos_, n);
            decoded_pos_ += n;
            if (decoded_pos_ == decoded_.size()) {
                decoded_.clear();
                decoded_pos_ = 0;
            }
            co_return Result(n);
        }
        if (chunked_->state() == http::ChunkedDecoder::State::done) {
            finished_ = true;
            co_return Result(0);
        }
        if (c_.pending().empty() && !co_await c_.read_more(idle)) {
            failed_ = true;
            co_return tl::unexpected(
                core::BodyError{400, "the connection ended before the request body did"});
        }
        std::size_t used = chunked_->feed(c_.pending(), decoded_);
        c_.consume(used);
        if (chunked_->state() == http::ChunkedDecoder::State::error) {
            failed_ = true;
            co_return tl::unexpected(
                core::BodyError{chunked_->error_status(), chunked_->error_reason()});
        }
    }
}

// ---------------------------------------------------------------- Connection

template <class Stream>
Connection<Stream>::Connection(Stream stream, WorkerContext& ctx, asio::ip::tcp::endpoint peer)
    : stream_(std::move(stream)), ctx_(ctx), peer_(std::move(peer)) {
    ctx_.tracker.add(*this);
    if constexpr (!is_tls) {
        std::error_code ignored;
        socket().non_blocking(true, ignored); // synchronous attempts return would_block
    }
}

template <class Stream>
Connection<Stream>::~Connection() {
    start_ = end_ = 0;
    release_buffer_if_empty();
    ctx_.tracker.remove(*this);
}

template <class Stream>
void Connection<Stream>::abort() {
    std::error_code ignored;
    if constexpr (is_tls) {
        if (idle) {
            // Waiting for a request (keep-alive time over, or a graceful stop): end the wait
            // only, so that the connection closes with its close_notify (RFC 8446 6.1).
            socket().cancel(ignored);
            return;
        }
    }
    socket().close(ignored);
}

template <class Stream>
void Connection<Stream>::request_park() {
    if constexpr (!is_tls) {
        park_requested_ = true;
        std::error_code ignored;
        socket().cancel(ignored); // the idle wait ends with operation_aborted
    }
}

template <class Stream>
void Connection<Stream>::release_buffer_if_empty() {
    if (start_ == end_) {
        start_ = end_ = 0;
        // An idle connection keeps no read buffer (memory per idle connection stays small).
        if (!buf_.empty()) {
            ctx_.buffers.give(buf_);
        }
    }
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::read_more_until(Clock::time_point until) {
    if (start_ == end_) {
        start_ = end_ = 0;
    }
    if (buf_.empty()) {
        buf_ = ctx_.buffers.take();
    } else if (end_ == buf_.capacity()) {
        if (start_ > 0) {
            std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
            end_ -= start_;
            start_ = 0;
        } else {
            buf_.grow(buf_.capacity() * 2, end_);
        }
    }
    auto space = asio::buffer(buf_.data() + end_, buf_.capacity() - end_);
    if constexpr (!is_tls) {
        // Woken because input is waiting: read it now, without an asynchronous operation.
        if (std::exchange(input_ready_, false)) {
            std::error_code ec;
            const std::size_t n = socket().read_some(space, ec);
            if (!ec && n > 0) {
                end_ += n;
                co_return true;
            }
            if (ec != asio::error::would_block) {
                co_return false;
            }
        }
    }
    deadline = until;
    auto [ec, n] = co_await stream_.async_read_some(space, use_nothrow);
    deadline = Clock::time_point::max();
    if (ec || n == 0) {
        co_return false;
    }
    end_ += n;
    co_return true;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::write_all(std::string_view data) {
    co_return co_await write_pair(data, {}, false);
}

template <class Stream>
typename Connection<Stream>::Sent
Connection<Stream>::send_now(std::array<asio::const_buffer, 2>& parts, bool more) {
    // Most responses fit the socket buffer: one writev, no asynchronous operation.
    // MSG_MORE when a file follows: the head rides in the same packets as its bytes.
    std::error_code ec;
    std::size_t n = socket().send(parts, more ? MSG_MORE : 0, ec);
    if (ec && ec != asio::error::would_block) {
        return Sent::failed;
    }
    for (auto& part : parts) {
        const std::size_t taken = std::min(n, part.size());
        part += taken;
        n -= taken;
    }
    return parts[0].size() + parts[1].size() == 0 ? Sent::all : Sent::partly;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::write_rest(std::array<asio::const_buffer, 2> parts) {
    ctx_.tracker.set_deadline(*this, ctx_.config.timeouts.write);
    auto [ec, n] = co_await asio::async_write(stream_, parts, use_nothrow);
    deadline = Clock::time_point::max();
    co_return !ec;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::write_pair(std::string_view first,
                                                     std::string_view second, bool more) {
    std::array<asio::const_buffer, 2> parts{asio::buffer(first), asio::buffer(second)};
    if constexpr (!is_tls) {
        if (const Sent sent = send_now(parts, more); sent != Sent::partly) {
            co_return sent == Sent::all;
        }
    }
    co_return co_await write_rest(parts);
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::serve(std::unique_ptr<Connection> self) {
    const bool idle_now = co_await self->run();
    if constexpr (!is_tls) {
        if (idle_now) {
            park(std::move(self));
        }
    }
}

template <class Stream>
void Connection<Stream>::park(std::unique_ptr<Connection> self) {
    // An idle connection keeps no coroutine frame and no buffer: only this object and one
    // pending wait (memory per idle keep-alive connection stays well under 2 KiB).
    Connection& c = *self;
    c.idle = true;
    c.parked = true;
    c.ctx_.tracker.set_deadline(c, c.requests_ == 0 ? c.ctx_.config.timeouts.head
                                                    : c.ctx_.config.timeouts.keepalive);
    c.socket().async_wait(asio::ip::tcp::socket::wait_read,
                          [self = std::move(self)](std::error_code ec) mutable {
                              self->idle = false;
                              self->parked = false;
                              self->deadline = Clock::time_point::max();
                              if (ec) {
                                  return; // closed on timeout or shutdown: self goes away
                              }
                              self->readable_ = true;
                              self->input_ready_ = true;
                              auto executor = self->socket().get_executor();
                              asio::co_spawn(executor, serve(std::move(self)), asio::detached);
                          });
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::plain_http_on_tls() {
    // A TLS connection begins with a handshake record (type 22); a letter is an HTTP request
    // sent to the HTTPS port (an http:// URL): answer it in plain text, as nginx does, rather
    // than fail a handshake the client cannot read.
    unsigned char first = 0;
    const int fd = socket().native_handle();
    ssize_t n = ::recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        auto [ec] = co_await socket().async_wait(asio::ip::tcp::socket::wait_read, use_nothrow);
        if (ec) {
            co_return false; // the handshake fails on the closed socket
        }
        n = ::recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    }
    if (n != 1 || !((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z'))) {
        co_return false;
    }
    static constexpr std::string_view answer =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 62\r\nConnection: close\r\n\r\n"
        "This port speaks HTTPS: use an https:// URL for this server.\r\n";
    std::error_code ignored;
    socket().send(asio::buffer(answer), 0, ignored);
    spdlog::debug("plain HTTP from {} on a TLS port: answered 400", peer_.address().to_string());
    linger_ = true; // the request is unread: close without a reset destroying the answer
    co_return true;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::handshake() {
    // (No co_return inside a discarded `if constexpr` branch: g++ 12 miscompiles it.)
    bool ok = true;
    if constexpr (is_tls) {
        ctx_.tracker.set_deadline(*this, ctx_.config.timeouts.tls_handshake);
        const bool plain_http = co_await plain_http_on_tls();
        std::error_code ec = asio::error::operation_aborted;
        if (!plain_http) {
            std::tie(ec) =
                co_await stream_.async_handshake(asio::ssl::stream_base::server, use_nothrow);
        }
        deadline = Clock::time_point::max();
        handshake_done_ = !ec;
        if (ec) {
            if (!plain_http) {
                spdlog::debug("TLS handshake with {} failed: {}", peer_.address().to_string(),
                              ec.message());
            }
            ok = false;
        }
    }
    co_return ok;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::run() {
    bool park_now = false;
    if (requests_ > 0 || co_await handshake()) {
        for (;;) {
            if (pending().empty() && !std::exchange(readable_, false)) {
                if (ctx_.tracker.shutting_down()) {
                    break;
                }
                release_buffer_if_empty();
                if (!is_tls && !ctx_.tracker.may_wait_in_coroutine()) {
                    park_now = true;
                    break;
                }
                if (!is_tls) {
                    // Wait here while the connection is busy; the tracker asks a quiet one
                    // to park (no frame, no buffer) after a sweep interval.
                    ctx_.tracker.begin_wait();
                    idle = true;
                    idle_sweeps = 0;
                    ctx_.tracker.set_deadline(*this, requests_ == 0
                                                         ? ctx_.config.timeouts.head
                                                         : ctx_.config.timeouts.keepalive);
                    // A busy connection waits with a read into a buffer: asio re-arms an
                    // edge-triggered wait with epoll_ctl each time, a read needs no re-arm.
                    // Past a bound, waiters take no buffer (idle memory stays small).
                    const bool with_buffer = ctx_.tracker.may_read_in_coroutine();
                    std::error_code ec;
                    std::size_t got = 0;
                    if (with_buffer) {
                        ctx_.tracker.begin_read();
                        if (buf_.empty()) {
                            buf_ = ctx_.buffers.take();
                        }
                        // Let the other connections' ready work run first: by then the
                        // client's next request has often arrived and the read finds it.
                        co_await asio::post(socket().get_executor(), use_nothrow);
                        std::tie(ec, got) = co_await socket().async_read_some(
                            asio::buffer(buf_.data(), buf_.capacity()), use_nothrow);
                        ctx_.tracker.end_read();
                    } else {
                        std::tie(ec) = co_await socket().async_wait(
                            asio::ip::tcp::socket::wait_read, use_nothrow);
                    }
                    idle = false;
                    ctx_.tracker.end_wait();
                    deadline = Clock::time_point::max();
                    if (with_buffer && !ec && got > 0) {
                        end_ = got; // a request arrived: a park asked meanwhile is moot
                        park_requested_ = false;
                        continue;
                    }
                    if (std::exchange(park_requested_, false) && socket().is_open() &&
                        !ctx_.tracker.shutting_down()) {
                        release_buffer_if_empty();
                        park_now = true;
                        break;
                    }
                    if (ec || with_buffer) {
                        break; // an error, or the end of the input
                    }
                    readable_ = true;
                    input_ready_ = true;
                    continue;
                }
            }
            if (!co_await serve_one()) {
                break;
            }
        }
    }
    if constexpr (is_tls) {
        if (handshake_done_ && socket().is_open()) {
            // RFC 8446 section 6.1: the side that closes sends close_notify first. asio's
            // shutdown then waits for the client's; a client that closes, or the deadline,
            // ends that wait.
            ctx_.tracker.set_deadline(*this, std::chrono::seconds(2));
            co_await stream_.async_shutdown(use_nothrow);
            deadline = Clock::time_point::max();
        }
    }
    if (!park_now && !taken_) {
        // The lingering close's frame holds a 4 KiB sink: made only when there is input left.
        if (linger_ && socket().is_open()) {
            co_await close_lingering();
        } else {
            std::error_code ignored;
            socket().close(ignored);
        }
    }
    co_return park_now;
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::close_lingering() {
    std::error_code ignored;
    if (linger_ && socket().is_open()) {
        // Closing with unread input makes the kernel send a reset that can destroy the
        // response in flight; stop sending, then read and discard for a short while.
        socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        ctx_.tracker.set_deadline(*this, std::chrono::seconds(2));
        std::array<char, 4096> sink;
        std::size_t total = 0;
        while (total < 1024 * 1024) {
            auto [ec, n] = co_await socket().async_read_some(asio::buffer(sink), use_nothrow);
            if (ec || n == 0) {
                break;
            }
            total += n;
        }
    }
    socket().close(ignored);
}

template <class Stream>
tl::expected<core::TakenSocket, std::string> Connection<Stream>::take_socket() {
    if constexpr (is_tls) {
        return tl::unexpected(std::string("a TLS connection cannot be handed to another process"));
    } else {
        if (taken_) {
            return tl::unexpected(std::string("the socket was already taken"));
        }
        if (body_.started()) {
            return tl::unexpected(std::string("the request body was already read"));
        }
        // Hand it over as accept(2) would have: blocking.
        std::error_code ignored;
        stream_.non_blocking(false, ignored);
        stream_.native_non_blocking(false, ignored);
        core::TakenSocket taken{std::move(stream_), std::string(pending())};
        start_ = end_ = 0;
        release_buffer_if_empty();
        taken_ = true;
        ctx_.tracker.remove(*this);
        return taken;
    }
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::send_error(int status, std::string detail,
                                                     std::string_view request_line) {
    // Copied now: the buffer it points into may be handed back while the answer goes out.
    std::string logged;
    if (ctx_.access_log.enabled()) {
        logged = first_line_of(request_line);
    }
    core::Response r;
    r.error(status, std::move(detail));
    r.close = true;
    core::apply_error_page(r, nullptr, nullptr);
    std::uint64_t bytes = 0;
    linger_ = true;
    // A HEAD refused gets no content either, though its head could not be parsed whole.
    const bool head_only = request_line.starts_with("HEAD ");
    co_await send_response(nullptr, r, false, head_only, bytes);
    if (ctx_.access_log.enabled()) {
        ctx_.access_log.write(refused_request_log_line(peer_, logged, r.status, bytes));
    }
    co_return false;
}

template <class Stream>
std::unique_ptr<core::Response> Connection<Stream>::route(const http::RequestHead& request,
                                                          const core::VirtualHost& host,
                                                          std::optional<core::Exchange>& exchange) {
    auto early = [] { return std::make_unique<core::Response>(); };
    if (request.form == http::TargetForm::asterisk) {
        // OPTIONS * (RFC 9110 section 9.3.7): the server as a whole.
        auto r = early();
        r->status = 200;
        r->headers.set("Allow", "GET, HEAD, OPTIONS");
        return r;
    }
    auto normal = http::normalize_path(request.path);
    if (!normal) {
        auto r = early();
        r->error(normal.error().status, normal.error().reason);
        return r;
    }
    const core::Mount* mount = core::Router::find_mount(host, *normal);
    if (!mount) {
        auto r = early();
        r->error(404);
        return r;
    }
    exchange.emplace(request, std::move(*normal), *mount, *this, ctx_.pool, ctx_.locals,
                     stream_.get_executor());
    return nullptr;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::serve_one() {
    const auto& cfg = ctx_.config;
    // 1. The request head.
    std::optional<std::size_t> head_end;
    for (;;) {
        // Nothing of a head yet: the connection idles, as long as its state allows (a TLS
        // connection waits here, not in run()).
        if (pending().empty()) {
            // A TLS connection waiting here is idle: a graceful stop closes it now, not at
            // the end of the grace time (nothing of it is in flight).
            idle = is_tls;
            const bool more =
                co_await read_more(requests_ == 0 ? cfg.timeouts.head : cfg.timeouts.keepalive);
            idle = false;
            if (!more) {
                co_return false;
            }
        }
        auto found = http::find_head_end(pending(), ctx_.parse_limits);
        if (!found) {
            co_return co_await send_error(found.error().status, found.error().reason, pending());
        }
        if (*found) {
            head_end = **found;
            break;
        }
        // RFC 9112 section 9.5 leaves a timed-out or closed head unanswered: just close. A head
        // begun has timeouts.head in all from its first incomplete read, however its bytes
        // trickle in (slowloris); one not begun waits as long as the connection may idle.
        bool more = false;
        if (pending().empty()) {
            more = co_await read_more(requests_ == 0 ? cfg.timeouts.head : cfg.timeouts.keepalive);
        } else {
            if (head_deadline_ == Clock::time_point{}) {
                head_deadline_ = Clock::now() + cfg.timeouts.head;
            }
            more = co_await read_more_until(head_deadline_);
        }
        if (!more) {
            co_return false;
        }
    }
    head_deadline_ = {};
    const auto head = ctx_.heads.take();
    auto parsed = http::parse_head_into(pending().substr(0, *head_end), ctx_.parse_limits, *head);
    if (!parsed) {
        co_return co_await send_error(parsed.error().status, parsed.error().reason, pending());
    }
    consume(*head_end);
    ++requests_;
    handling_since_ = Clock::now();
    const http::RequestHead& request = *head;
    body_.reset(request, cfg.limits.max_body);
    bool keep_alive = request.keep_alive && !ctx_.tracker.shutting_down();

    // 2. Route: virtual host, then mount.
    const core::VirtualHost& host = cfg.router->find_host(request.host);
    std::optional<core::Exchange> exchange;
    // The response when no handler runs, made only then (and on the heap, and the routing in
    // a function of its own: this frame stays under the 1,020 bytes that asio recycles).
    std::unique_ptr<core::Response> early = route(request, host, exchange);
    const core::Mount* mount = exchange ? &exchange->mount() : nullptr;
    core::Response* response = early.get();
    if (mount) {
        response = &exchange->response();
        core::Outcome outcome = core::Outcome::next;
        try {
            for (const auto& handler : mount->handlers) {
                outcome = co_await handler->handle(*exchange);
                if (outcome != core::Outcome::next) {
                    break;
                }
            }
        } catch (const std::exception& e) {
            spdlog::error("{} {}: handler failed: {}", request.method, request.target, e.what());
            response->error(500);
            outcome = core::Outcome::done;
        }
        if (outcome == core::Outcome::takeover) {
            if (!taken_) {
                spdlog::error("{} {}: handler claimed takeover without taking the socket",
                              request.method, request.target);
            }
            co_return false;
        }
        if (outcome == core::Outcome::next) {
            response->error(core::is_known_method(request.method) ? 404 : 501);
        }
    }

    // A server-side failure (a full disk, a damaged database, a backend that died) is told to
    // the operator too, not only to the client in the answer's body (501 and 505 are the
    // client's).
    if (response->status >= 500 && response->status != 501 && response->status != 505) {
        spdlog::log(response->status == 507 ? spdlog::level::warn : spdlog::level::err,
                    "{} {}: {} {}{}{}", request.method, request.target, response->status,
                    http::reason_phrase(response->status),
                    response->error_detail.empty() ? "" : ": ", response->error_detail);
    }

    // 3. Whatever of the body the handler left unread must go before the next request.
    if (!body_.finished()) {
        if (body_.failed()) {
            keep_alive = false;
        } else if (response->close) {
            // The handler will not read the rest (a body over a quota, a write that failed):
            // waiting for it would hold the answer as long as the client keeps sending.
            keep_alive = false;
            linger_ = true;
        } else if (body_.present() && request.expect_continue && !body_.started()) {
            keep_alive = false; // the client may never send it: do not wait for it
            linger_ = true;
        } else if (!co_await drain_body()) {
            keep_alive = false;
            linger_ = true;
        }
    }

    // 4. Output filters, then write.
    core::apply_conditional_and_range(request, *response);
    core::apply_error_page(*response, mount, &host);
    if (response->close || ctx_.tracker.shutting_down()) {
        keep_alive = false;
    }
    // HTTP/1.0 has no chunked coding: a body of unknown length ends with the connection
    // (RFC 9112 section 6.3), whatever the client asked.
    if (request.version_minor == 0 && !response->body.known_length() &&
        !has_no_body(response->status)) {
        keep_alive = false;
    }
    std::uint64_t body_bytes = 0;
    bool written = co_await send_response(&request, *response, keep_alive, request.method == "HEAD",
                                          body_bytes);
    if (ctx_.access_log.enabled()) {
        ctx_.access_log.write(combined_log_line(peer_,
                                                exchange ? exchange->principal : std::string(),
                                                request, response->status, body_bytes));
    }
    co_return written&& keep_alive;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::drain_body() {
    std::array<char, 8192> sink;
    std::size_t total = 0;
    while (!body_.finished()) {
        if (body_.declared_length() && *body_.declared_length() > drain_limit) {
            co_return false;
        }
        auto n = co_await body_.read(sink);
        if (!n) {
            co_return false;
        }
        total += *n;
        if (total > drain_limit) {
            co_return false;
        }
    }
    co_return true;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::send_response(const http::RequestHead* request,
                                                        core::Response& r, bool keep_alive,
                                                        bool head_only, std::uint64_t& body_bytes) {
    const bool http10 = request && request->version_minor == 0;
    const bool no_body = has_no_body(r.status);
    const auto length = r.body.known_length();
    // Unknown length: chunked on HTTP/1.1; on HTTP/1.0 the end is the connection's close
    // (serve_one has made keep_alive false for it).
    const bool chunked = !length && !no_body && !http10;

    if constexpr (!is_tls) {
        // A response that took a while to make waits for the requests already read by this
        // worker to be handled, and the responses then go out back to back (h2o writes at the
        // end of its loop pass too). A client that went to sleep meanwhile is then woken once
        // per batch, not once per response: a wake-up of another core was a tenth of the
        // server's time per PUT or MOVE on a VM, where it is an inter-processor interrupt.
        // A quick response (a cached file) goes at once: its client is likely still busy
        // with the one before, and the wait (a post and a resumption) would save no wake-up.
        // A last response goes at once too: the connection closes after it.
        if (keep_alive && Clock::now() - handling_since_ >= batch_after) {
            co_await asio::post(stream_.get_executor(), asio::use_awaitable);
        }
    }
    std::string& head = ctx_.head_scratch; // capacity reused: no allocation per response
    build_response_head(head, r, ctx_.dates.get(),
                        HeadFraming{no_body ? std::nullopt : length, chunked, keep_alive, http10});

    // The hot paths send without a coroutine frame when the socket takes it all (a frame of
    // write_pair was a memalign and a free per response): a head alone, or a head and one
    // shared memory bucket (a cached small file) in one gathered write, no copy.
    std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::const_buffer()};
    const core::SharedBucket* only = nullptr;
    if (!head_only && !no_body && !chunked && r.body.buckets().size() == 1) {
        only = std::get_if<core::SharedBucket>(&r.body.buckets().front());
    }
    if (head_only || no_body || only) {
        if (only) {
            body_bytes = only->length;
            parts[1] = asio::buffer(only->view());
        }
        if constexpr (!is_tls) {
            // The last response of a connection goes with MSG_MORE: the kernel holds it
            // until the close that follows, and sends the FIN in the same packet.
            if (const Sent sent = send_now(parts, !keep_alive); sent != Sent::partly) {
                co_return sent == Sent::all;
            }
        }
        // The scratch head is the worker's: what is left of it goes with this frame.
        std::string rest(static_cast<const char*>(parts[0].data()), parts[0].size());
        parts[0] = asio::buffer(rest);
        co_return co_await write_rest(parts);
    }
    co_return co_await send_buckets(std::string(head), r, chunked, body_bytes);
}

// Gathers the head and memory buckets (and small files) into as few writes as possible.
// A coroutine of its own: send_response's frame stays small enough for asio to recycle it.
template <class Stream>
asio::awaitable<bool> Connection<Stream>::send_buckets(std::string out, core::Response& r,
                                                       bool chunked, std::uint64_t& body_bytes) {
    for (auto& bucket : r.body.buckets()) {
        if (auto* sh = std::get_if<core::SharedBucket>(&bucket)) {
            if (chunked) {
                append_chunk_size(out, sh->length);
            }
            out += sh->view();
            if (chunked) {
                out += "\r\n";
            }
            body_bytes += sh->length;
        } else if (auto* m = std::get_if<core::MemoryBucket>(&bucket)) {
            if (m->data.empty()) {
                continue;
            }
            if (chunked) {
                append_chunk_size(out, m->data.size());
            }
            out += m->data;
            if (chunked) {
                out += "\r\n";
            }
            body_bytes += m->data.size();
            if (out.size() >= 64 * 1024) {
                if (!co_await write_all(out)) {
                    co_return false;
                }
                out.clear();
            }
        } else if (auto* f = std::get_if<core::FileBucket>(&bucket)) {
            if (f->length == 0) {
                continue;
            }
            if (f->length <= inline_file_limit && !chunked) {
                const std::size_t at = out.size();
                out.resize(at + f->length);
                auto got = read_file_range(f->fd->get(), f->offset, out.data() + at, f->length);
                if (!got) {
                    spdlog::error("reading a response body failed: {}", got.error());
                    co_return false;
                }
                body_bytes += f->length;
                continue;
            }
            if (!out.empty()) {
                if (!co_await write_pair(out, {}, true)) {
                    co_return false;
                }
                out.clear();
            }
            if (!co_await send_file(*f, chunked, body_bytes)) {
                co_return false;
            }
        } else {
            auto& s = std::get<core::StreamBucket>(bucket);
            if (!out.empty()) {
                if (!co_await write_all(out)) {
                    co_return false;
                }
                out.clear();
            }
            // A stream of known length (declared in the head) must yield just that many bytes.
            std::uint64_t left = s.length.value_or(0);
            for (;;) {
                core::StreamResult piece = co_await s.pull();
                if (!piece.error.empty()) {
                    spdlog::error("a streamed response body failed: {}", piece.error);
                    co_return false; // the head is out: the only signal left is to close
                }
                if (!piece.piece) {
                    if (s.length && left > 0) {
                        spdlog::error("a streamed response body ended {} bytes short", left);
                        co_return false;
                    }
                    break;
                }
                if (piece.piece->empty()) {
                    continue;
                }
                if (s.length) {
                    if (piece.piece->size() > left) {
                        spdlog::error("a streamed response body is longer than it declared");
                        co_return false;
                    }
                    left -= piece.piece->size();
                }
                // Counted before the piece is moved into the frame (it is empty after).
                body_bytes += piece.piece->size();
                std::string frame;
                if (chunked) {
                    append_chunk_size(frame, piece.piece->size());
                    frame += *piece.piece;
                    frame += "\r\n";
                } else {
                    frame = std::move(*piece.piece);
                }
                if (!co_await write_all(frame)) {
                    co_return false;
                }
            }
        }
    }
    if (chunked) {
        out += "0\r\n\r\n";
    }
    if (!out.empty()) {
        co_return co_await write_all(out);
    }
    co_return true;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::send_file(const core::FileBucket& f, bool chunked,
                                                    std::uint64_t& body_bytes) {
    if (chunked) {
        std::string size;
        append_chunk_size(size, f.length);
        if (!co_await write_all(size)) {
            co_return false;
        }
    }
    std::uint64_t offset = f.offset;
    std::uint64_t left = f.length;
    if constexpr (!is_tls) {
        // sendfile(2): the kernel copies from the page cache to the socket.
        auto& sock = socket();
        while (left > 0) {
            auto sent = sendfile_some(sock.native_handle(), f.fd->get(), offset, left);
            if (!sent) {
                spdlog::debug("sendfile failed: {}", sent.error());
                co_return false;
            }
            if (*sent == 0) {
                ctx_.tracker.set_deadline(*this, ctx_.config.timeouts.write);
                auto [wec] =
                    co_await sock.async_wait(asio::ip::tcp::socket::wait_write, use_nothrow);
                deadline = Clock::time_point::max();
                if (wec) {
                    co_return false;
                }
                continue;
            }
            offset += *sent;
            left -= *sent;
            body_bytes += *sent; // what went out, should the client leave before the end
        }
    } else {
        std::vector<char> chunk(std::min<std::uint64_t>(left, 64 * 1024));
        while (left > 0) {
            std::size_t want = std::min<std::uint64_t>(left, chunk.size());
            auto got = read_file_range(f.fd->get(), offset, chunk.data(), want);
            if (!got) {
                spdlog::error("reading a response body failed: {}", got.error());
                co_return false;
            }
            if (!co_await write_all(std::string_view(chunk.data(), want))) {
                co_return false;
            }
            offset += want;
            left -= want;
            body_bytes += want;
        }
    }
    if (chunked && !co_await write_all("\r\n")) {
        co_return false;
    }
    co_return true;
}

template class BodyReader<asio::ip::tcp::socket>;
template class BodyReader<asio::ssl::stream<asio::ip::tcp::socket>>;
template class Connection<asio::ip::tcp::socket>;
template class Connection<asio::ssl::stream<asio::ip::tcp::socket>>;

void spawn_connection(asio::ip::tcp::socket socket, const asio::ip::tcp::endpoint& peer,
                      WorkerContext& ctx) {
    using Plain = Connection<asio::ip::tcp::socket>;
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Plain::serve(std::make_unique<Plain>(std::move(socket), ctx, peer)),
                   asio::detached);
}

} // namespace quire::net
