// Several listeners, IPv4 and IPv6, served by several workers.
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <cstdio>
#include <gtest/gtest.h>

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

} // namespace
} // namespace quire::test
