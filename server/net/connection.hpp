// One client connection: a coroutine that reads request heads, routes them, runs the mount's
// handler, and writes responses, for as long as the connection persists (RFC 9112 section 9).
// Stream is asio::ip::tcp::socket or asio::ssl::stream<asio::ip::tcp::socket>.
#pragma once

#include "connection_tracker.hpp"
#include "core/exchange.hpp"
#include "core/handler.hpp"
#include "http/chunked.hpp"
#include "http/request.hpp"
#include "worker_context.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

namespace quire::net {

template <class Stream>
class Connection;

// Reads the request body from the connection as the handler asks for it.
template <class Stream>
class BodyReader final : public core::RequestBody {
public:
    explicit BodyReader(Connection<Stream>& c) : c_(c) {}
    void reset(const http::RequestHead& head, std::uint64_t max_body);

    asio::awaitable<tl::expected<std::size_t, core::BodyError>> read(std::span<char> buf) override;
    bool present() const override {
        return framing_ == http::BodyFraming::chunked ||
               (framing_ == http::BodyFraming::content_length && declared_ > 0);
    }
    std::optional<std::uint64_t> declared_length() const override;
    std::optional<std::string_view> take_whole_if_buffered() override;

    bool started() const { return started_; }
    bool finished() const { return finished_; }
    bool failed() const { return failed_; }

private:
    asio::awaitable<tl::expected<void, core::BodyError>> start();

    Connection<Stream>& c_;
    http::BodyFraming framing_ = http::BodyFraming::none;
    std::uint64_t remaining_ = 0;
    std::uint64_t declared_ = 0;
    bool expect_continue_ = false;
    bool started_ = false;
    bool finished_ = true;
    bool failed_ = false;
    std::unique_ptr<http::ChunkedDecoder> chunked_;
    std::string decoded_; // chunked: decoded bytes not yet handed out
    std::size_t decoded_pos_ = 0;
};

template <class Stream>
class Connection final : public core::ConnectionPort, public TrackedConnection {
public:
    static constexpr bool is_tls = !std::is_same_v<Stream, asio::ip::tcp::socket>;

    Connection(Stream stream, WorkerContext& ctx, asio::ip::tcp::endpoint peer);
    ~Connection() override;

    // Serves the connection until it closes; the coroutine owns the connection.
    static asio::awaitable<void> serve(std::unique_ptr<Connection> self);
    // Plain TCP: waits for the next request without a coroutine, then serves it.
    static void park(std::unique_ptr<Connection> self);
    // Serves requests while input is pending; true when the connection is idle and may park.
    asio::awaitable<bool> run();

    core::RequestBody& body() override { return body_; }
    tl::expected<core::TakenSocket, std::string> take_socket() override;
    const asio::ip::tcp::endpoint& peer() const override { return peer_; }
    bool secure() const override { return is_tls; }
    void abort() override;
    void request_park() override;

private:
    friend class BodyReader<Stream>;

    asio::awaitable<bool> handshake();
    // TLS: true when the client spoke plain HTTP, and was answered 400.
    asio::awaitable<bool> plain_http_on_tls();
    asio::awaitable<bool> serve_one();
    // Finds the mount for a parsed request and starts its exchange; otherwise returns the
    // response that goes out without a handler (OPTIONS *, a bad path, no mount: 404).
    std::unique_ptr<core::Response> route(const http::RequestHead& request,
                                          const core::VirtualHost& host,
                                          std::optional<core::Exchange>& exchange);
    // Reads what comes next into the buffer; false on EOF, error, or nothing by the deadline.
    asio::awaitable<bool> read_more_until(Clock::time_point deadline);
    asio::awaitable<bool> read_more(std::chrono::seconds timeout) {
        return read_more_until(Clock::now() + timeout);
    }
    asio::awaitable<bool> write_all(std::string_view data);
    asio::awaitable<bool> write_pair(std::string_view first, std::string_view second, bool more);
    // Plain TCP: sends what the socket takes now (one writev, no coroutine frame) and leaves
    // in `parts` what it did not take.
    enum class Sent { all, partly, failed };
    Sent send_now(std::array<asio::const_buffer, 2>& parts, bool more);
    // Sends `parts` asynchronously, under the write timeout.
    asio::awaitable<bool> write_rest(std::array<asio::const_buffer, 2> parts);
    // head_only: the answer to a HEAD, which has no content (RFC 9110 section 9.3.2).
    asio::awaitable<bool> send_response(const http::RequestHead* request, core::Response& r,
                                        bool keep_alive, bool head_only, std::uint64_t& body_bytes);
    asio::awaitable<bool> send_buckets(std::string out, core::Response& r, bool chunked,
                                       std::uint64_t& body_bytes);
    // Answers a request refused before it could be parsed (request_line: its first line, as
    // far as it came, for the access log) and closes.
    asio::awaitable<bool> send_error(int status, std::string detail, std::string_view request_line);
    // Adds to body_bytes what the socket took, also when it fails part way.
    asio::awaitable<bool> send_file(const core::FileBucket& f, bool chunked,
                                    std::uint64_t& body_bytes);
    asio::awaitable<bool> drain_body();
    asio::awaitable<void> close_lingering();

    std::string_view pending() const {
        return start_ == end_ ? std::string_view()
                              : std::string_view(buf_.data() + start_, end_ - start_);
    }
    void consume(std::size_t n) { start_ += n; }
    void release_buffer_if_empty();
    auto& socket() {
        if constexpr (is_tls) {
            return stream_.next_layer();
        } else {
            return stream_;
        }
    }

    Stream stream_;
    WorkerContext& ctx_;
    asio::ip::tcp::endpoint peer_;
    BodyReader<Stream> body_{*this};
    ReadBuffer buf_; // empty while idle
    std::size_t start_ = 0;
    std::size_t end_ = 0;
    bool taken_ = false;
    bool readable_ = false;       // woken by a wait: input is waiting
    bool input_ready_ = false;    // ... and not read yet: try a direct read first
    bool park_requested_ = false; // the tracker asked an idle coroutine to park
    bool linger_ = false;         // unread input may remain: close gently (shutdown, drain briefly)
    bool handshake_done_ = false; // TLS: a session to close with close_notify
    unsigned requests_ = 0;
    // When the request being handled was read; a response made in batch_after or more waits
    // for the others of its batch (send_response).
    Clock::time_point handling_since_{};
    static constexpr auto batch_after = std::chrono::microseconds(20);
    // When the request head being read must be complete: set at its first incomplete read, so
    // that a client trickling bytes (slowloris) cannot stretch it read by read.
    Clock::time_point head_deadline_{};
};

// Starts serving an accepted plain TCP socket (the connection owns itself); peer as accept(2)
// gave it.
void spawn_connection(asio::ip::tcp::socket socket, const asio::ip::tcp::endpoint& peer,
                      WorkerContext& ctx);

} // namespace quire::net
