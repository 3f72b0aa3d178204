// TLS over real sockets with certificates made at test time; curl as the client.
#include "support/test_certificates.hpp"
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <cstdio>
#include <gtest/gtest.h>

namespace quire::test {
namespace {

std::string run(const std::string& command) {
    std::string out;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) {
        return out;
    }
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
        out.append(buf, n);
    }
    ::pclose(p);
    return out;
}

class TlsTest : public ::testing::Test {
protected:
    void SetUp() override {
        make_certificate(dir_, "localhost");
        make_certificate(dir_, "other.test");
        auto cfg = std::make_shared<config::Config>();
        cfg->workers = 1;
        cfg->timeouts.tls_handshake = std::chrono::seconds(1);
        cfg->timeouts.head = std::chrono::seconds(1); // shorter than keepalive (60 s)
        config::Listener l;
        l.host = "127.0.0.1";
        l.port = 0;
        l.tls = true;
        l.cert = (dir_ / "localhost.pem").string();
        l.key = (dir_ / "localhost.key").string();
        cfg->listeners.push_back(l);
        std::vector<core::VirtualHost> hosts(2);
        hosts[0].mounts.push_back(mount("/", std::make_shared<ReflectHandler>()));
        hosts[1].names = {"other.test"};
        hosts[1].tls_cert = (dir_ / "other.test.pem").string();
        hosts[1].tls_key = (dir_ / "other.test.key").string();
        hosts[1].mounts.push_back(mount("/other", std::make_shared<ReflectHandler>()));
        cfg->router = std::make_shared<core::Router>(std::move(hosts));
        server_ = std::make_unique<TestServer>(cfg);
        port_ = std::to_string(server_->port());
    }
    std::string curl(const std::string& args) { return run("curl -s --max-time 20 " + args); }

    TempDir dir_;
    std::unique_ptr<TestServer> server_;
    std::string port_;
};

TEST_F(TlsTest, ServesHttpsWithAlpnHttp11AndKeepAlive) {
    auto out =
        curl("--cacert " + (dir_ / "localhost.pem").string() +
             " -w '|%{http_code}|%{http_version}|%{num_connects}\\n' https://localhost:" + port_ +
             "/a https://localhost:" + port_ + "/b");
    EXPECT_NE(out.find("GET /a\n|200|1.1|1"), std::string::npos) << out;
    EXPECT_NE(out.find("GET /b\n|200|1.1|0"), std::string::npos) << out; // connection reused
}

TEST_F(TlsTest, SniSelectsTheVirtualHostCertificate) {
    auto out =
        curl("--cacert " + (dir_ / "other.test.pem").string() + " --resolve other.test:" + port_ +
             ":127.0.0.1 -w '|%{http_code}' https://other.test:" + port_ + "/other/x");
    EXPECT_EQ(out, "GET /x\n|200");
    // The default certificate does not verify for that name.
    auto wrong =
        curl("--cacert " + (dir_ / "localhost.pem").string() + " --resolve other.test:" + port_ +
             ":127.0.0.1 -w '|%{http_code}' https://other.test:" + port_ + "/");
    EXPECT_EQ(wrong, "|000");
}

TEST_F(TlsTest, RefusesTls11) {
    auto out =
        curl("-k --tlsv1.1 --tls-max 1.1 -w '|%{http_code}' https://localhost:" + port_ + "/");
    EXPECT_EQ(out, "|000");
}

TEST_F(TlsTest, AHandshakeThatNeverStartsDoesNotBlockOthers) {
    // A plain-text client on the TLS port: the handshake fails, the server goes on.
    auto plain = curl("-w '|%{http_code}' http://127.0.0.1:" + port_ + "/");
    EXPECT_EQ(plain.substr(plain.size() - 4), "|000");
    auto ok = curl("-k -w '|%{http_code}' https://localhost:" + port_ + "/fine");
    EXPECT_EQ(ok, "GET /fine\n|200");
}

TEST_F(TlsTest, ClosesAClientThatNeverCompletesTheHandshake) {
    TestClient silent(static_cast<std::uint16_t>(std::stoi(port_)));
    ASSERT_TRUE(silent.connected());
    EXPECT_TRUE(silent.closed_by_peer()); // after the handshake timeout, not the 30 s safety net
}

// An idle TLS connection between requests waits as long as `keepalive` allows, as a plain
// one does; it was closed after `head` (1 s here).
TEST_F(TlsTest, AnIdleConnectionBetweenRequestsWaitsForKeepaliveNotHead) {
    auto out = run("(printf 'GET /first HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 2.5; "
                   "printf 'GET /second HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: "
                   "close\\r\\n\\r\\n'; sleep 1) | timeout 20 openssl s_client -quiet -connect "
                   "127.0.0.1:" +
                   port_ + " -servername localhost");
    EXPECT_NE(out.find("GET /first"), std::string::npos) << out;
    EXPECT_NE(out.find("GET /second"), std::string::npos)
        << "the connection did not stay open 2.5 s between requests:\n"
        << out;
}

// RFC 7301 section 3.2: ALPN offered without http/1.1 ends the handshake with the fatal
// no_application_protocol alert; with it, http/1.1 is chosen.
TEST_F(TlsTest, AnAlpnOfferWithoutHttp11IsRefused) {
    const std::string connect = "timeout 20 openssl s_client -connect 127.0.0.1:" + port_ +
                                " -servername localhost </dev/null";
    auto h2 = run(connect + " -alpn h2");
    EXPECT_NE(h2.find("no application protocol"), std::string::npos) << h2;
    auto both = run(connect + " -alpn h2,http/1.1");
    EXPECT_NE(both.find("ALPN protocol: http/1.1"), std::string::npos) << both;
    auto none = run(connect);
    EXPECT_NE(none.find("No ALPN negotiated"), std::string::npos) << none;
}

} // namespace
} // namespace quire::test
