// Several listeners, IPv4 and IPv6, served by several workers.
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <cstdio>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace quire::test {
namespace {

std::string curl(const std::string& url) {
    std::string out;
    FILE* p = ::popen(("curl -s -g --max-time 20 '" + url + "' 2>&1").c_str(), "r");
    char buf[1024];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
        out.append(buf, n);
    }
    ::pclose(p);
    return out;
}

TEST(ListenersTest, ServesIpv4AndIpv6ListenersFromEveryWorker) {
    auto cfg = make_config({mount("/", std::make_shared<ReflectHandler>())}, 2);
    config::Listener v6;
    v6.host = "::1";
    v6.port = 0;
    cfg->listeners.push_back(v6);
    TestServer server(cfg);
    ASSERT_EQ(server.server().endpoints().size(), 2u);
    EXPECT_TRUE(server.server().endpoints()[1].address().is_v6());
    for (int i = 0; i < 8; ++i) { // several connections land on both workers' acceptors
        EXPECT_EQ(curl("http://127.0.0.1:" + std::to_string(server.port(0)) + "/v4"), "GET /v4\n");
        EXPECT_EQ(curl("http://[::1]:" + std::to_string(server.port(1)) + "/v6"), "GET /v6\n");
    }
}

TEST(ListenersTest, RefusesToStartOnAPortInUse) {
    auto cfg = make_config({mount("/", std::make_shared<ReflectHandler>())});
    TestServer first(cfg);
    auto taken = std::make_shared<config::Config>(*cfg);
    taken->listeners[0].port = first.port();
    // Its workers share the port through SO_REUSEPORT; a second, independent server must
    // not silently take half of the traffic.
    auto second = net::Server::create(taken);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("cannot listen on 127.0.0.1:"), std::string::npos)
        << second.error();
}

// Answers with the TCP_NOTSENT_LOWAT of the connection's own (accepted) socket.
std::shared_ptr<LambdaHandler> unsent_limit_reporter() {
    return std::make_shared<LambdaHandler>(
        [](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            auto taken = ex.take_socket();
            if (!taken) {
                ex.response().error(500);
                co_return core::Outcome::done;
            }
            int fd = taken->socket.native_handle();
            int lowat = -1;
            socklen_t size = sizeof lowat;
            std::string body = ::getsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, &size) == 0
                                   ? std::to_string(lowat)
                                   : std::string("getsockopt failed");
            std::string reply =
                "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nConnection: close\r\n\r\n" + body;
            EXPECT_EQ(::write(fd, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
            co_return core::Outcome::takeover;
        });
}

TEST(ListenersTest, AcceptedConnectionsGetTheListenersUnsentLimit) {
    auto cfg = make_config({mount("/", unsent_limit_reporter())});
    config::Listener kernel_default = cfg->listeners[0];
    kernel_default.tcp_notsent_lowat = 0;
    config::Listener small = cfg->listeners[0];
    small.tcp_notsent_lowat = 16 * 1024;
    cfg->listeners.push_back(kernel_default);
    cfg->listeners.push_back(small);
    TestServer server(cfg);
    auto url = [&](std::size_t i) { return "http://127.0.0.1:" + std::to_string(server.port(i)); };
    EXPECT_EQ(curl(url(0) + "/"), "32768"); // the default
    EXPECT_EQ(curl(url(1) + "/"), "0");     // not set: the kernel's sysctl applies
    EXPECT_EQ(curl(url(2) + "/"), "16384");
}

TEST(ListenersTest, DeferredAcceptHandsOverAConnectionWithItsFirstBytes) {
    auto cfg = make_config({mount("/", std::make_shared<ReflectHandler>())});
    cfg->timeouts.head = std::chrono::seconds(1);
    cfg->listeners[0].tcp_defer_accept = 60;
    config::Listener at_handshake = cfg->listeners[0];
    at_handshake.tcp_defer_accept = 0;
    cfg->listeners.push_back(at_handshake);
    TestServer server(cfg);
    // Accepted at the handshake, a silent client meets the head timeout.
    TestClient silent(server.port(1));
    EXPECT_TRUE(silent.closed_by_peer());
    // Deferred, the server has not seen it yet: its head timeout has not started.
    TestClient deferred(server.port(0));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    deferred.send("GET /late HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = deferred.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "GET /late\n");
}

} // namespace
} // namespace quire::test
