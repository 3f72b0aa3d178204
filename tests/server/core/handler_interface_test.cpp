// What later handlers (WebDAV, CGI, FastCGI, fd-transfer) need from the core, shown with
// test-only handlers over real sockets.
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <future>
#include <thread>
#include <unistd.h>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace quire::test {
namespace {

std::string read_head(TestClient& c) {
    std::string head;
    while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
        auto byte = c.read_raw(1);
        if (byte.empty()) {
            break;
        }
        head += byte;
    }
    return head;
}

std::string read_pipe(int fd, std::size_t n) {
    std::string out;
    char buf[256];
    while (out.size() < n) {
        ssize_t got = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
        if (got <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
}

TEST(HandlerInterfaceTest, StreamsAChunkedRequestBodyOnWhileItArrives) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    auto forward =
        std::make_shared<LambdaHandler>([&](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            char buf[4096];
            std::size_t total = 0;
            for (;;) {
                auto n = co_await ex.body().read(buf);
                if (!n || *n == 0) {
                    break;
                }
                total += *n;
                EXPECT_EQ(::write(pipe_fds[1], buf, *n), static_cast<ssize_t>(*n));
            }
            ex.response().body.append("forwarded " + std::to_string(total));
            co_return core::Outcome::done;
        });
    TestServer server(make_config({mount("/", forward)}));
    TestClient c(server.port());
    c.send("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\npart1;\r\n");
    // The first piece reaches the other end before the client has sent the rest.
    EXPECT_EQ(read_pipe(pipe_fds[0], 6), "part1;");
    c.send("5\r\npart2\r\n0\r\n\r\n");
    EXPECT_EQ(read_pipe(pipe_fds[0], 5), "part2");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "forwarded 11");
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}

TEST(HandlerInterfaceTest, StreamsAResponseOfUnknownLengthAsItIsProduced) {
    std::promise<void> go_on;
    auto go_on_future = go_on.get_future().share();
    auto producer = std::make_shared<LambdaHandler>(
        [go_on_future](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            auto step = std::make_shared<int>(0);
            auto executor = ex.executor();
            ex.response().body.append_stream(
                [step, go_on_future, executor]() -> asio::awaitable<core::StreamResult> {
                    const int i = (*step)++;
                    if (i == 1) {
                        // Wait (without blocking the thread) until the client saw piece one.
                        asio::steady_timer t(executor);
                        while (go_on_future.wait_for(std::chrono::seconds(0)) !=
                               std::future_status::ready) {
                            t.expires_after(std::chrono::milliseconds(5));
                            co_await t.async_wait(asio::use_awaitable);
                        }
                    }
                    if (i < 3) {
                        co_return core::StreamResult{"piece" + std::to_string(i), {}};
                    }
                    co_return core::StreamResult{std::nullopt, {}};
                });
            co_return core::Outcome::done;
        });
    TestServer server(make_config({mount("/", producer)}));
    TestClient c(server.port());
    c.send("GET /s HTTP/1.1\r\nHost: a\r\n\r\n");
    const std::string head = read_head(c);
    EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos);
    EXPECT_EQ(c.read_raw(11), "6\r\npiece0\r\n"); // arrives while the producer still waits
    go_on.set_value();
    EXPECT_EQ(c.read_raw(11 + 11 + 5), "6\r\npiece1\r\n6\r\npiece2\r\n0\r\n\r\n");
    // The connection stays usable after a chunked response.
    c.send("GET /again HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    auto again = c.read_response();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->chunked);
}

TEST(HandlerInterfaceTest, BlockingWorkOnThePoolDoesNotStallOtherConnections) {
    std::promise<void> release;
    auto released = release.get_future().share();
    std::promise<void> started;
    auto started_future = started.get_future();
    auto blocking = std::make_shared<LambdaHandler>(
        [&, released](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            auto work = [&, released] {
                started.set_value();
                released.wait(); // stands for a slow SQLite or git operation
                return std::string("blocking done");
            };
            auto result = co_await ex.run_blocking(std::move(work));
            ex.response().body.append(result);
            co_return core::Outcome::done;
        });
    // One worker thread: if the blocking work ran on it, /fast could not be answered.
    TestServer server(make_config(
        {mount("/block", blocking), mount("/", std::make_shared<ReflectHandler>())}, 1));
    TestClient slow(server.port());
    slow.send("GET /block HTTP/1.1\r\nHost: a\r\n\r\n");
    started_future.wait();
    auto fast = http_get(server.port(), "/fast");
    ASSERT_TRUE(fast);
    EXPECT_EQ(fast->body, "GET /fast\n");
    release.set_value();
    auto r = slow.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "blocking done");
}

TEST(HandlerInterfaceTest, TakesOverTheRawSocketWithTheBytesAlreadyRead) {
    struct Handoff {
        int fd = -1;
        std::string read_ahead;
        std::uint64_t length = 0;
    };
    std::promise<Handoff> handoff;
    auto takeover = std::make_shared<LambdaHandler>([&](core::Exchange& ex)
                                                        -> asio::awaitable<core::Outcome> {
        const auto length = *ex.body().declared_length();
        auto taken = ex.take_socket();
        EXPECT_TRUE(taken) << (taken ? "" : taken.error());
        if (!taken) {
            ex.response().error(500);
            co_return core::Outcome::done;
        }
        // From here the socket belongs to the "backend" (this test's thread below).
        handoff.set_value(Handoff{taken->socket.release(), std::move(taken->read_ahead), length});
        co_return core::Outcome::takeover;
    });
    TestServer server(make_config({mount("/", takeover)}));
    TestClient c(server.port());
    // The head and the first body bytes arrive together: the core must pass "hel" on.
    c.send("POST /ws HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel");
    Handoff h = handoff.get_future().get();
    c.send("lo");
    std::string body = h.read_ahead;
    while (body.size() < h.length) {
        char buf[256];
        ssize_t n = ::read(h.fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        body.append(buf, static_cast<std::size_t>(n));
    }
    EXPECT_EQ(h.read_ahead, "hel");
    std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size() + 8) +
                        "\r\nConnection: close\r\n\r\nbackend:" + body;
    EXPECT_EQ(::write(h.fd, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
    ::close(h.fd);
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "backend:hello");
}

} // namespace
} // namespace quire::test
