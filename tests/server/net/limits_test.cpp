// Limits and timeouts: body size, slow and idle clients, the connection cap.
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace quire::test {
namespace {

std::shared_ptr<config::Config> small_limits_config() {
    auto cfg = make_config({mount("/", std::make_shared<ReflectHandler>())});
    cfg->limits.max_body = 1000;
    cfg->limits.max_connections = 2;
    cfg->timeouts.head = std::chrono::seconds(1);
    cfg->timeouts.keepalive = std::chrono::seconds(1);
    cfg->timeouts.body_idle = std::chrono::seconds(1);
    return cfg;
}

TEST(LimitsTest, RefusesADeclaredBodyAboveTheLimitWith413) {
    TestServer server(small_limits_config());
    TestClient c(server.port());
    c.send("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
}

TEST(LimitsTest, RefusesAChunkedBodyThatGrowsPastTheLimitWith413) {
    TestServer server(small_limits_config());
    TestClient c(server.port());
    c.send("PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
           std::string("800\r\n") + std::string(0x800, 'x') + "\r\n0\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
}

TEST(LimitsTest, ClosesAClientThatNeverFinishesItsHead) {
    TestServer server(small_limits_config());
    TestClient slow(server.port());
    slow.send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: "); // and nothing more (slowloris)
    EXPECT_TRUE(slow.closed_by_peer());
    auto r = http_get(server.port(), "/still-serving");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

// Slowloris trickles its head a byte at a time, each well within the head timeout of the one
// before: the head timeout (1 s here) counts for the head as a whole, not per read.
TEST(LimitsTest, ClosesAClientTricklingItsHeadByteByByte) {
    TestServer server(small_limits_config());
    TestClient slow(server.port());
    const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + std::string(40, 'a');
    std::size_t sent = 0;
    bool closed = false;
    while (sent < head.size() && !closed) {
        ASSERT_GE(::send(slow.fd(), head.data() + sent, 1, MSG_NOSIGNAL), 0);
        ++sent;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        char c;
        const auto n = ::recv(slow.fd(), &c, 1, MSG_DONTWAIT);
        closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }
    EXPECT_TRUE(closed) << "still open after " << sent << " bytes, one per 250 ms";
    auto r = http_get(server.port(), "/still-serving");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST(LimitsTest, ClosesAnIdleKeepAliveConnection) {
    TestServer server(small_limits_config());
    TestClient c(server.port());
    c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(c.read_response());
    EXPECT_TRUE(c.closed_by_peer());
}

TEST(LimitsTest, ClosesAStalledBodyUpload) {
    TestServer server(small_limits_config());
    TestClient c(server.port());
    c.send("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    auto r = c.read_response();
    // The handler sees the body fail; the connection is closed, with or without an answer.
    if (r) {
        EXPECT_GE(r->status, 400);
    }
    EXPECT_TRUE(c.closed_by_peer());
}

TEST(LimitsTest, RefusesConnectionsOverTheCapWithoutHarmingServedOnes) {
    TestServer server(small_limits_config());
    TestClient a(server.port());
    TestClient b(server.port());
    for (auto* c : {&a, &b}) {
        c->send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
        ASSERT_TRUE(c->read_response());
    }
    TestClient over(server.port());
    over.send("GET /over HTTP/1.1\r\nHost: a\r\n\r\n"); // deferred accept: it must speak
    EXPECT_TRUE(over.closed_by_peer());
    for (auto* c : {&a, &b}) {
        c->send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n");
        auto r = c->read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->body, "GET /again\n");
    }
}

} // namespace
} // namespace quire::test
