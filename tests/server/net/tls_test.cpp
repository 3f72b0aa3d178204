// TLS over real sockets with certificates made at test time; curl as the client.
#include "support/test_certificates.hpp"
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <thread>

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

// A Python client (standard library): each request on a new TLS connection, read to the end;
// prints "clean" when the server ended it with close_notify, "truncated" when with a bare
// TCP close. With a third argument it keeps the connection after one keep-alive response,
// touches that file, and reports how the server later ends it.
constexpr const char* close_checker = R"(import os, socket, ssl, sys
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def ending(request, ready=None):
    s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port)),
                        server_hostname='localhost', suppress_ragged_eofs=False)
    s.sendall(request)
    data = b''
    try:
        while True:
            if ready and b'\r\n\r\n' in data and data.endswith(b'GET /idle\n'):
                open(ready, 'w').close()
                ready = None
            d = s.recv(65536)
            if not d:
                return 'clean'
            data += d
    except ssl.SSLEOFError:
        return 'truncated'
if len(sys.argv) > 2:
    print(ending(b'GET /idle HTTP/1.1\r\nHost: localhost\r\n\r\n', sys.argv[2]))
else:
    print(ending(b'GET /a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
          ending(b'GET /b HTTP/1.0\r\n\r\n'), ending(b'GET\r\n\r\n'))
)";

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

// TLS 1.2 offers forward secrecy and AEAD suites only: no static RSA key exchange, no CBC.
// A name with its trailing dot (and in capitals) picks the same host as without.
TEST_F(TlsTest, SniMatchesAnAbsoluteNameAndIgnoresCase) {
    for (const char* name : {"other.test.", "OTHER.Test"}) {
        auto out = run("timeout 20 openssl s_client -connect 127.0.0.1:" + port_ + " -servername " +
                       name + " </dev/null");
        EXPECT_NE(out.find("subject=CN = other.test"), std::string::npos) << name << "\n" << out;
    }
}

TEST_F(TlsTest, Tls12OffersOnlyForwardSecretAeadSuites) {
    const std::string connect = "timeout 20 openssl s_client -connect 127.0.0.1:" + port_ +
                                " -servername localhost -tls1_2 </dev/null";
    for (const char* weak : {"AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA256"}) {
        auto out = run(connect + " -cipher " + weak);
        EXPECT_NE(out.find("handshake failure"), std::string::npos) << weak << "\n" << out;
    }
    for (const char* good : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
                             "DHE-RSA-AES256-GCM-SHA384"}) {
        auto out = run(connect + " -cipher " + good);
        EXPECT_NE(out.find("Cipher is " + std::string(good)), std::string::npos) << good << "\n"
                                                                                 << out;
    }
}

TEST_F(TlsTest, RefusesTls11) {
    auto out =
        curl("-k --tlsv1.1 --tls-max 1.1 -w '|%{http_code}' https://localhost:" + port_ + "/");
    EXPECT_EQ(out, "|000");
}

// A plain HTTP request on the TLS port (an http:// URL for an https:// server) is answered in
// plain text, as nginx answers it, and the server goes on.
TEST_F(TlsTest, APlainHttpRequestOnTheTlsPortGetsA400SayingSo) {
    auto plain = curl("-w '|%{http_code}' http://127.0.0.1:" + port_ + "/");
    EXPECT_NE(plain.find("use an https:// URL"), std::string::npos) << plain;
    EXPECT_EQ(plain.substr(plain.size() - 4), "|400");
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

// RFC 8446 section 6.1: the server that closes sends close_notify first, after a
// `Connection: close` answer, an HTTP/1.0 one and an error alike.
TEST_F(TlsTest, ClosesWithCloseNotify) {
    dir_.write("close_checker.py", close_checker);
    auto out = run("timeout 60 python3 " + (dir_ / "close_checker.py").string() + " " + port_);
    EXPECT_EQ(out, "clean clean clean\n");
}

// A graceful stop closes an idle TLS keep-alive connection at once, with close_notify; it
// waited for the end of the grace time, then closed it bare.
TEST_F(TlsTest, AGracefulStopClosesAnIdleConnectionWithCloseNotify) {
    dir_.write("close_checker.py", close_checker);
    const auto ready = dir_ / "ready";
    std::string out;
    std::thread client([&] {
        out = run("timeout 60 python3 " + (dir_ / "close_checker.py").string() + " " + port_ + " " +
                  ready.string());
    });
    for (int i = 0; i < 400 && !std::filesystem::exists(ready); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(std::filesystem::exists(ready)) << "no response to the keep-alive request";
    server_->server().stop();
    client.join();
    EXPECT_EQ(out, "clean\n");
}

// RFC 6066 section 3: a session made for one name is not resumed for another (the client
// would not see that host's certificate); it is for the same name.
TEST_F(TlsTest, ASessionIsResumedOnlyForTheNameItWasMadeFor) {
    const std::string session = (dir_ / "session.pem").string();
    const std::string connect =
        "(sleep 1) | timeout 20 openssl s_client -connect 127.0.0.1:" + port_ + " ";
    for (const char* version : {"-tls1_2", "-tls1_3"}) {
        run("rm -f " + session);
        run(connect + version + " -servername localhost -sess_out " + session);
        auto other = run(connect + version + " -servername other.test -sess_in " + session);
        EXPECT_NE(other.find("New, TLSv1."), std::string::npos) << version << "\n" << other;
        auto same = run(connect + version + " -servername localhost -sess_in " + session);
        EXPECT_NE(same.find("Reused, TLSv1."), std::string::npos) << version << "\n" << same;
    }
}

} // namespace
} // namespace quire::test
