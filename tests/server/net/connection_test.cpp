// Requests over real sockets: framing, persistence, pipelining, malformed input.
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <thread>

namespace quire::test {
namespace {

class ConnectionTest : public ::testing::Test {
protected:
    ConnectionTest() : server_(make_config({mount("/", std::make_shared<ReflectHandler>())})) {}
    std::uint16_t port() const { return server_.port(); }
    TestServer server_;
};

TEST_F(ConnectionTest, AnswersASimpleGet) {
    auto r = http_get(port(), "/hello");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "GET /hello\n");
    EXPECT_TRUE(r->header("date"));
    EXPECT_EQ(r->header("content-length"), "11");
}

TEST_F(ConnectionTest, KeepsAnHttp11ConnectionOpenByDefault) {
    TestClient c(port());
    for (int i = 0; i < 3; ++i) {
        c.send("GET /n" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n");
        auto r = c.read_response();
        ASSERT_TRUE(r) << i;
        EXPECT_EQ(r->body, "GET /n" + std::to_string(i) + "\n");
        EXPECT_FALSE(r->header("connection"));
    }
}

// Responses the socket cannot take at once (the client reads late, the buffers fill) still
// arrive whole and in order, while another connection of the same worker is answered
// meanwhile: a head is built in the worker's scratch space and must be copied before its
// connection waits to write the rest. 100,000 HEAD answers are about 13 MB, more than the
// loopback socket buffers hold.
TEST(ConnectionScratchTest, PipelinedResponsesArriveWholeWhenTheClientReadsLate) {
    TestServer server(make_config({mount("/", std::make_shared<ReflectHandler>())}, 1));
    TestClient late(server.port());
    constexpr int n = 100000;
    std::thread sender([&late] {
        std::string batch;
        for (int i = 0; i < n; ++i) {
            batch += "HEAD /h" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
        }
        late.send(batch);
    });
    // Another client's answers are built while `late` waits to write (by then its answers
    // have filled the socket buffers: the server writes them far faster than they are sent).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    TestClient other(server.port());
    for (int i = 0; i < 200; ++i) {
        other.send("HEAD /other-client-request-with-a-longer-path" + std::to_string(i) +
                   " HTTP/1.1\r\nHost: a\r\nX-Fill: " + std::string(500, 'x') + "\r\n\r\n");
        auto r = other.read_response(true);
        ASSERT_TRUE(r && r->status == 200) << i;
    }
    int whole = 0;
    for (int i = 0; i < n; ++i) {
        auto r = late.read_response(true);
        // The length of the body a GET would have had: "HEAD /h<i>\n".
        if (!r || r->status != 200 ||
            r->header("content-length") != std::to_string(8 + std::to_string(i).size())) {
            ADD_FAILURE() << "response " << i << " is not the answer to request " << i;
            ::shutdown(late.fd(), SHUT_RDWR); // lets a blocked sender go
            break;
        }
        ++whole;
    }
    sender.join();
    EXPECT_EQ(whole, n);
}

TEST_F(ConnectionTest, AnswersPipelinedRequestsInOrder) {
    TestClient c(port());
    std::string batch;
    for (int i = 0; i < 10; ++i) {
        batch += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n";
    }
    batch += "POST /last HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody";
    c.send(batch);
    for (int i = 0; i < 10; ++i) {
        auto r = c.read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->body, "GET /p" + std::to_string(i) + "\n");
    }
    auto last = c.read_response();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->body, "POST /last\nbody");
}

TEST_F(ConnectionTest, ClosesAfterConnectionClose) {
    TestClient c(port());
    c.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ConnectionTest, Http10ClosesUnlessKeepAliveIsAsked) {
    {
        TestClient c(port());
        c.send("GET / HTTP/1.0\r\n\r\n");
        auto r = c.read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_TRUE(c.closed_by_peer());
    }
    TestClient c(port());
    c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "keep-alive");
    c.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto r2 = c.read_response();
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->body, "GET /b\n");
}

TEST(ConnectionEndTest, Http10ResponseOfUnknownLengthEndsWithTheConnection) {
    // HTTP/1.0 has no chunked coding: the end of such a body is the end of the connection
    // (RFC 9112 section 6.3), even when the client asked to keep it alive.
    auto producer = two_pieces_streamed();
    auto cfg = make_config({mount("/", producer)});
    cfg->timeouts.keepalive = std::chrono::seconds(300); // not what ends it
    TestServer server(cfg);
    TestClient c(server.port());
    c.send("GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const std::string all = c.read_until_close();
    EXPECT_TRUE(c.closed_by_peer()); // not the client's receive timeout
    EXPECT_NE(all.find("Connection: close\r\n"), std::string::npos) << all;
    EXPECT_EQ(all.find("chunked"), std::string::npos) << all;
    EXPECT_TRUE(all.ends_with("\r\n\r\npiecepiece")) << all;
}

TEST_F(ConnectionTest, HeadSendsNoBody) {
    TestClient c(port());
    c.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n");
    auto h = c.read_response(true);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->header("content-length"), "8"); // the length a GET would have had
    auto g = c.read_response();
    ASSERT_TRUE(g);
    EXPECT_EQ(g->body, "GET /y\n"); // the next response starts right after the head
}

// A HEAD the connection refuses (RFC 9112 errors: no Host, an unknown transfer coding, a
// header section too large, an expectation it cannot meet) still gets no content (RFC 9110
// section 9.3.2): the connection closes right after the head.
TEST_F(ConnectionTest, ARefusedHeadGetsNoContent) {
    for (const std::string& request :
         {std::string("HEAD /x HTTP/1.1\r\n\r\n"),
          std::string("HEAD /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
          std::string("HEAD /x HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n"),
          "HEAD /x HTTP/1.1\r\nHost: a\r\nX: " + std::string(70'000, 'a') + "\r\n\r\n"}) {
        TestClient c(port());
        c.send(request);
        const std::string all = c.read_until_close();
        ASSERT_TRUE(all.starts_with("HTTP/1.1 4") || all.starts_with("HTTP/1.1 5"))
            << all.substr(0, 80);
        EXPECT_TRUE(all.ends_with("\r\n\r\n")) << "content after the head: " << all;
    }
}

// A handler learns whether the request has a body: Content-Length 0 is none (RFC 9112
// section 6.3), chunked is one whatever it turns out to hold.
TEST(ConnectionBodyTest, ContentLengthZeroIsNoBody) {
    auto handler =
        std::make_shared<LambdaHandler>([](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            ex.response().body.append(ex.body().present() ? "present" : "absent");
            co_return core::Outcome::done;
        });
    TestServer server(make_config({mount("/", handler)}));
    // The rest of the request after its Host field, and what the handler must see.
    const std::pair<std::string, std::string> cases[] = {
        {"\r\n", "absent"},
        {"Content-Length: 0\r\n\r\n", "absent"},
        {"Content-Length: 2\r\n\r\nab", "present"},
        {"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "present"}};
    for (const auto& [fields, expected] : cases) {
        TestClient c(server.port());
        const std::string request = "PUT /x HTTP/1.1\r\nHost: a\r\n" + fields;
        c.send(request);
        auto r = c.read_response();
        ASSERT_TRUE(r) << fields;
        EXPECT_EQ(r->body, expected) << fields;
    }
}

// A handler that answers without reading the body and sets close is not made to wait for the
// body: the answer goes out while a chunked body is still open (the client may never end it),
// and the connection closes after it. Without close, the rest is read and the connection kept.
TEST(ConnectionBodyTest, AnAnswerThatClosesIsNotHeldForTheUnreadBody) {
    auto handler =
        std::make_shared<LambdaHandler>([](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            ex.response().status = 413;
            ex.response().body.append("too large");
            ex.response().close = ex.request().target == "/close";
            co_return core::Outcome::done;
        });
    TestServer server(make_config({mount("/", handler)}));
    TestClient c(server.port());
    c.send("PUT /close HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n");
    auto r = c.read_response(); // no last chunk was sent
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->body, "too large");
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());

    TestClient kept(server.port());
    kept.send("PUT /keep HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n"
              "0\r\n\r\nGET /keep HTTP/1.1\r\nHost: a\r\n\r\n");
    auto first = kept.read_response();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 413);
    auto second = kept.read_response();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 413);
}

// A stream of known length goes out with Content-Length and no chunked framing, and a range
// of it is pulled from where the range starts; one that yields fewer bytes than it declared
// has its connection closed (the head is out: closing is the only signal left).
TEST(ConnectionBodyTest, AStreamOfKnownLengthIsDeclaredRangedAndHeldToIt) {
    const std::string text = "0123456789";
    auto handler = std::make_shared<LambdaHandler>(
        [text](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            const bool short_one = ex.path() == "/short";
            auto pull_of = [text, short_one](std::uint64_t first, std::uint64_t length) {
                auto done = std::make_shared<bool>(false);
                return core::StreamPull([text, short_one, first, length,
                                         done]() -> asio::awaitable<core::StreamResult> {
                    if (*done)
                        co_return core::StreamResult{std::nullopt, {}};
                    *done = true;
                    const auto n = short_one ? length / 2 : length;
                    co_return core::StreamResult{text.substr(first, n), {}};
                });
            };
            ex.response().status = 200;
            ex.response().validators = http::Validators{true, "\"v\"", std::nullopt};
            ex.response().accept_ranges = true;
            ex.response().body.append_stream(pull_of(0, text.size()), text.size(), pull_of);
            co_return core::Outcome::done;
        });
    TestServer server(make_config({mount("/", handler)}));
    auto whole = http_get(server.port(), "/whole");
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->header("content-length"), "10");
    EXPECT_FALSE(whole->header("transfer-encoding"));
    EXPECT_EQ(whole->body, text);
    auto part = http_get(server.port(), "/whole", "Range: bytes=3-5\r\n");
    ASSERT_TRUE(part);
    EXPECT_EQ(part->status, 206);
    EXPECT_EQ(part->body, "345");
    TestClient c(server.port());
    c.send("GET /short HTTP/1.1\r\nHost: a\r\n\r\n");
    const std::string all = c.read_until_close();
    EXPECT_NE(all.find("Content-Length: 10\r\n"), std::string::npos) << all;
    EXPECT_TRUE(all.ends_with("\r\n\r\n01234")) << all;
}

TEST_F(ConnectionTest, DecodesAChunkedRequestBodyWithExtensionsAndTrailers) {
    TestClient c(port());
    c.send("PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
           "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "PUT /c\nhello world");
    c.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r2 = c.read_response();
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->body, "GET /after\n");
}

TEST_F(ConnectionTest, SendsContinueBeforeReadingAnExpectedBody) {
    TestClient c(port());
    auto r = c.send_after_continue(
        "PUT /e HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n", "abc");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "PUT /e\nabc");
}

struct BadRequest {
    const char* name;
    const char* raw;
    int status;
};

class MalformedRequestTest : public ConnectionTest,
                             public ::testing::WithParamInterface<BadRequest> {};

TEST_P(MalformedRequestTest, IsRefusedWithTheRightStatusAndTheConnectionCloses) {
    TestClient c(port());
    c.send(GetParam().raw);
    auto r = c.read_response();
    ASSERT_TRUE(r) << GetParam().name;
    EXPECT_EQ(r->status, GetParam().status) << GetParam().name;
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_NE(r->body.find(std::to_string(GetParam().status)), std::string::npos);
    EXPECT_TRUE(c.closed_by_peer());
}

const BadRequest bad_requests[] = {
    {"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
    {"obs_fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", 400},
    {"bare_cr", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},
    {"missing_host", "GET / HTTP/1.1\r\n\r\n", 400},
    {"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"cl_and_te",
     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
    {"two_lengths",
     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
    {"te_not_chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
    {"version_2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    {"bad_token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"connect", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501},
    {"bad_chunk_size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
     400},
};

INSTANTIATE_TEST_SUITE_P(Table, MalformedRequestTest, ::testing::ValuesIn(bad_requests),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(ConnectionTest, RefusesABadPathWith400AndKeepsTheConnection) {
    // The framing is intact, so only the request fails, not the connection.
    TestClient c(port());
    for (const char* path : {"/../etc/passwd", "/a%2fb", "/%00", "/a\\b", "/%c0%ae%c0%ae/"}) {
        c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
        auto r = c.read_response();
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 400) << path;
    }
    c.send("GET /fine HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(c.read_response()->body, "GET /fine\n");
}

TEST_F(ConnectionTest, RefusesAnOverlongTargetWith414) {
    TestClient c(port());
    c.send("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 414);
}

TEST_F(ConnectionTest, RefusesAnOversizedHeaderSectionWith431) {
    TestClient c(port());
    std::string req = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 40; ++i) {
        req += "X-Filler-" + std::to_string(i) + ": " + std::string(500, 'x') + "\r\n";
    }
    c.send(req + "\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
}

TEST_F(ConnectionTest, AnswersOptionsAsterisk) {
    TestClient c(port());
    c.send("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->header("allow"));
}

} // namespace
} // namespace quire::test
