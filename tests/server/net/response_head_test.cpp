// The response head: status line, the handler's fields, and the framing fields the core owns.
#include "net/response_head.hpp"

#include <gtest/gtest.h>

namespace quire::net {
namespace {

constexpr std::string_view date = "Sun, 22 Nov 2026 23:00:00 GMT";

TEST(ResponseHeadTest, KnownLengthKeepAlive) {
    core::Response r;
    r.headers.add("Content-Type", "text/plain");
    std::string out = "left over from the previous response";
    build_response_head(out, r, date, HeadFraming{42, false, true, false});
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: Quire\r\nDate: Sun, 22 Nov 2026 23:00:00 GMT\r\n"
                   "Content-Type: text/plain\r\nContent-Length: 42\r\n\r\n");
}

TEST(ResponseHeadTest, TheHandlersFramingFieldsAreDropped) {
    core::Response r;
    r.status = 404;
    r.headers.add("content-length", "7");
    r.headers.add("Transfer-Encoding", "gzip");
    r.headers.add("CONNECTION", "upgrade");
    r.headers.add("X-Kept", "yes");
    std::string out;
    build_response_head(out, r, date, HeadFraming{std::nullopt, true, false, false});
    EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nServer: Quire\r\nDate: Sun, 22 Nov 2026 23:00:00 "
                   "GMT\r\nX-Kept: yes\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

TEST(ResponseHeadTest, Http10KeepAliveAndNoLengthForBodilessStatus) {
    core::Response r;
    r.status = 304;
    r.headers.add("ETag", "\"abc\"");
    std::string out;
    build_response_head(out, r, date, HeadFraming{std::nullopt, false, true, true});
    EXPECT_EQ(out, "HTTP/1.1 304 Not Modified\r\nServer: Quire\r\nDate: Sun, 22 Nov 2026 23:00:00 "
                   "GMT\r\nETag: \"abc\"\r\nConnection: keep-alive\r\n\r\n");
}

TEST(ResponseHeadTest, LongFieldsAndLargeLengthsFit) {
    core::Response r;
    r.status = 206;
    const std::string long_value(10000, 'v');
    for (int i = 0; i < 50; ++i) {
        r.headers.add("X-Field-" + std::to_string(i), long_value);
    }
    std::string out;
    build_response_head(out, r, date, HeadFraming{UINT64_MAX, false, true, false});
    // status line 30, Server 15, Date 37; names X-Field-0..49 (10 of 9 bytes, 40 of 10), each
    // line name + ": " + value + CRLF; Content-Length line 38; the empty line 2.
    EXPECT_EQ(out.size(), 30 + 15 + 37 + (10 * 9 + 40 * 10) + 50 * (2 + 10000 + 2) + 38 + 2);
    EXPECT_TRUE(out.ends_with("\r\nContent-Length: 18446744073709551615\r\n\r\n"));
    EXPECT_TRUE(out.starts_with("HTTP/1.1 206 Partial Content\r\n"));
}

} // namespace
} // namespace quire::net
