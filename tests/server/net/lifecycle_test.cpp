// Graceful stop and log files.
#include "net/log_file.hpp"
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <netinet/in.h>
#include <regex>
#include <sys/socket.h>
#include <thread>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace quire::test {
namespace {

TEST(LifecycleTest, StopLetsAnInFlightRequestFinishAndClosesIdleConnections) {
    std::promise<void> entered;
    auto entered_future = entered.get_future();
    std::atomic<bool> release{false};
    auto slow =
        std::make_shared<LambdaHandler>([&](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            entered.set_value();
            asio::steady_timer t(ex.executor());
            while (!release) {
                t.expires_after(std::chrono::milliseconds(10));
                co_await t.async_wait(asio::use_awaitable);
            }
            ex.response().body.append("finished");
            co_return core::Outcome::done;
        });
    auto cfg = make_config({mount("/slow", slow), mount("/", std::make_shared<ReflectHandler>())});
    TestServer server(cfg);

    TestClient idle(server.port());
    idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(idle.read_response());

    TestClient busy(server.port());
    busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    entered_future.wait();
    server.server().stop();
    EXPECT_TRUE(idle.closed_by_peer());
    release = true;
    auto r = busy.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "finished");
    EXPECT_EQ(r->header("connection"), "close");
    server.server().wait();
}

TEST(LifecycleTest, WritesCombinedLogFormatAndReopensTheFile) {
    TempDir dir;
    auto cfg = make_config({mount("/", std::make_shared<ReflectHandler>())});
    cfg->logging.access = (dir / "access.log").string();
    {
        TestServer server(cfg);
        auto r = http_get(server.port(), "/logged?q=1",
                          "User-Agent: test \"agent\"\r\nReferer: http://r/\r\n");
        ASSERT_TRUE(r);
        // The line is written just after the response; wait for it before rotating.
        for (int i = 0; i < 1000 && std::filesystem::file_size(dir / "access.log") == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        std::filesystem::rename(dir / "access.log", dir / "access.log.1");
        server.server().reopen_logs();
        ASSERT_TRUE(http_get(server.port(), "/second"));
    }
    const std::string first = read_text(dir / "access.log.1");
    std::regex clf(
        R"(^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /logged\?q=1 HTTP/1\.1" 200 \d+ "http://r/" "test \\"agent\\""\n$)");
    EXPECT_TRUE(std::regex_match(first, clf)) << first;
    // The server has stopped (and written everything) when its scope ends.
    EXPECT_NE(read_text(dir / "access.log").find("\"GET /second HTTP/1.1\" 200"),
              std::string::npos);
}

// A request refused before its head could be parsed is logged too, with its first line as
// it came (escaped) and "-" for the referer and agent it never got to give.
TEST(LifecycleTest, LogsRequestsRefusedWhileParsing) {
    TempDir dir;
    auto cfg = make_config({mount("/", std::make_shared<ReflectHandler>())});
    cfg->logging.access = (dir / "access.log").string();
    {
        TestServer server(cfg);
        for (const char* request : {"GET /folded HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
                                    "GET /v HTTP/2.0\r\nHost: a\r\n\r\n",
                                    "GET /\"quote\" HTTP/1.1\r\nHost: a\r\nBad : x\r\n\r\n"}) {
            TestClient c(server.port());
            c.send(request);
            ASSERT_TRUE(c.read_response()) << request;
        }
    }
    const std::string log = read_text(dir / "access.log");
    EXPECT_NE(log.find("\"GET /folded HTTP/1.1\" 400 "), std::string::npos) << log;
    EXPECT_NE(log.find("\"GET /v HTTP/2.0\" 505 "), std::string::npos) << log;
    EXPECT_NE(log.find("\"GET /\\\"quote\\\" HTTP/1.1\" 400 "), std::string::npos) << log;
    std::regex refused(R"(^127\.0\.0\.1 - - \[[^\]]+\] "GET /folded HTTP/1\.1" 400 \d+ "-" "-"$)",
                       std::regex::multiline);
    EXPECT_TRUE(std::regex_search(log, refused)) << log;
}

// A streamed body is logged with the bytes it sent, with chunked framing (HTTP/1.1) and
// without (HTTP/1.0, where each piece goes out as it is).
TEST(LifecycleTest, LogsTheBytesOfAStreamedBody) {
    TempDir dir;
    auto producer = two_pieces_streamed();
    auto cfg = make_config({mount("/", producer)});
    cfg->logging.access = (dir / "access.log").string();
    {
        TestServer server(cfg);
        for (const char* request : {"GET /chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                                    "GET /plain HTTP/1.0\r\n\r\n"}) {
            TestClient c(server.port());
            c.send(request);
            EXPECT_NE(c.read_until_close().find("piece"), std::string::npos) << request;
        }
    }
    const std::string log = read_text(dir / "access.log");
    EXPECT_NE(log.find("\"GET /chunked HTTP/1.1\" 200 10 "), std::string::npos) << log;
    EXPECT_NE(log.find("\"GET /plain HTTP/1.0\" 200 10 "), std::string::npos) << log;
}

// A file the client stops reading part way is logged with the bytes that went out, not "-"
// (nothing) nor the whole length (Apache's %b and nginx's $body_bytes_sent count what was
// sent).
TEST(LifecycleTest, LogsTheBytesSentOfAFileTheClientLeft) {
    TempDir dir;
    constexpr std::uint64_t size = 32u << 20; // more than loopback's socket buffers hold
    std::ofstream(dir / "big.bin").close();
    std::filesystem::resize_file(dir / "big.bin", size);
    const std::string file = (dir / "big.bin").string();
    auto handler = std::make_shared<LambdaHandler>(
        [file](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            auto fd =
                std::make_shared<const core::UniqueFd>(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
            ex.response().body.append_file(fd, 0, size);
            co_return core::Outcome::done;
        });
    auto cfg = make_config({mount("/", handler)});
    cfg->logging.access = (dir / "access.log").string();
    std::signal(SIGPIPE, SIG_IGN); // as quire's main does: sendfile to a reset socket raises it
    {
        TestServer server(cfg);
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(server.port());
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        const std::string request = "GET /big HTTP/1.1\r\nHost: a\r\n\r\n";
        ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(request.size()));
        char some[4096];
        EXPECT_GT(::recv(fd, some, sizeof some, 0), 0);
        // Closed with bytes unread, the connection is reset: the server's next send fails.
        ::close(fd);
        for (int i = 0; i < 2000 && std::filesystem::file_size(dir / "access.log") == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const std::string log = read_text(dir / "access.log");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(log, m, std::regex(R"("GET /big HTTP/1\.1" 200 (\S+) )"))) << log;
    ASSERT_NE(m[1].str(), "-") << log;
    const auto logged = std::stoull(m[1].str());
    EXPECT_GT(logged, 0u) << log;
    EXPECT_LT(logged, size) << log;
}

} // namespace
} // namespace quire::test
