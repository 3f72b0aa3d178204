// Tests for the chunked transfer coding decoder (RFC 9112 section 7.1).
#include "http/chunked.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::http {
namespace {

using namespace std::string_literals;

struct Outcome {
    ChunkedDecoder::State state;
    int status = 0;
    std::string body;
    std::size_t consumed = 0;
};

ChunkedDecoder::Limits small_limits() {
    ChunkedDecoder::Limits l;
    l.max_line = 32;
    l.max_trailers = 64;
    l.max_body = 16;
    return l;
}

Outcome decode_all(std::string_view in, ChunkedDecoder::Limits limits = small_limits()) {
    ChunkedDecoder d(limits);
    Outcome o;
    o.consumed = d.feed(in, o.body);
    o.state = d.state();
    o.status = d.state() == ChunkedDecoder::State::error ? d.error_status() : 0;
    return o;
}

Outcome decode_bytewise(std::string_view in, ChunkedDecoder::Limits limits = small_limits()) {
    ChunkedDecoder d(limits);
    Outcome o;
    for (std::size_t i = 0; i < in.size() && d.state() == ChunkedDecoder::State::in_progress; ++i) {
        std::size_t n = d.feed(in.substr(i, 1), o.body);
        EXPECT_LE(n, 1u);
        o.consumed += n;
    }
    o.state = d.state();
    o.status = d.state() == ChunkedDecoder::State::error ? d.error_status() : 0;
    return o;
}

constexpr auto done = ChunkedDecoder::State::done;
constexpr auto error = ChunkedDecoder::State::error;
constexpr auto in_progress = ChunkedDecoder::State::in_progress;

struct Row {
    const char* name;
    std::string in;
    ChunkedDecoder::State state;
    int status;       // when state == error
    std::string body; // when state == done
};

// clang-format off
const Row rows[] = {
    {"simple", "5\r\nhello\r\n0\r\n\r\n", done, 0, "hello"},
    {"two_chunks", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", done, 0, "abcde"},
    {"empty_body", "0\r\n\r\n", done, 0, ""},
    {"hex_upper", "A\r\n0123456789\r\n0\r\n\r\n", done, 0, "0123456789"},
    {"hex_lower", "f\r\n0123456789abcde\r\n0\r\n\r\n", done, 0, "0123456789abcde"},
    {"leading_zeros", "0005\r\nhello\r\n000\r\n\r\n", done, 0, "hello"},
    {"extension", "5;name=value\r\nhello\r\n0\r\n\r\n", done, 0, "hello"},
    {"extension_quoted", "5;n=\"a \\\"b\\\" ;c\"\r\nhello\r\n0\r\n\r\n", done, 0, "hello"},
    {"extension_bws", "5 ; n = v ;m\r\nhello\r\n0\r\n\r\n", done, 0, "hello"},
    {"extension_no_value", "5;n\r\nhello\r\n0;last\r\n\r\n", done, 0, "hello"},
    {"trailers", "5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-Other:  d \r\n\r\n", done, 0, "hello"},
    {"extension_empty_name", "5;\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"extension_ctl", "5;n=v\x01\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"extension_ctl_in_quotes", "5;n=\"v\x01\"\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"extension_unterminated_quote", "5;n=\"v\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"extension_no_semicolon", "5 n\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"size_missing", "\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"size_not_hex", "g\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"size_negative", "-5\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"size_0x_prefix", "0x5\r\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"size_overflow", "10000000000000000\r\n", error, 400, ""},
    {"size_max_u64_too_large", "ffffffffffffffff\r\n", error, 413, ""},
    {"size_over_max_body", "11\r\n", error, 413, ""},
    {"total_over_max_body", "8\r\n12345678\r\n9\r\n", error, 413, ""},
    {"total_at_max_body", "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n", done, 0, "1234567812345678"},
    {"size_line_too_long", "5" + std::string(40, ' ') + "\r\n", error, 400, ""},
    {"extension_too_long", "5;n=" + std::string(40, 'v') + "\r\n", error, 400, ""},
    {"size_line_bare_lf", "5\nhello\r\n0\r\n\r\n", error, 400, ""},
    {"size_line_bare_cr", "5\rhello\r\n0\r\n\r\n", error, 400, ""},
    {"data_not_followed_by_crlf", "5\r\nhelloX\r\n0\r\n\r\n", error, 400, ""},
    {"data_followed_by_lf_only", "5\r\nhello\n0\r\n\r\n", error, 400, ""},
    {"data_too_short", "5\r\nhell\r\n0\r\n\r\n", error, 400, ""},
    {"trailer_obs_fold", "0\r\nX-A: b\r\n c\r\n\r\n", error, 400, ""},
    {"trailer_space_before_colon", "0\r\nX-A : b\r\n\r\n", error, 400, ""},
    {"trailer_no_colon", "0\r\nX-A\r\n\r\n", error, 400, ""},
    {"trailer_ctl_in_value", "0\r\nX-A: b\x02\r\n\r\n", error, 400, ""},
    {"trailer_bare_cr", "0\r\nX-A: b\rc\r\n\r\n", error, 400, ""},
    {"trailer_bare_lf", "0\r\nX-A: b\n\r\n", error, 400, ""},
    {"trailer_line_too_long", "0\r\nX-A: " + std::string(40, 'b') + "\r\n\r\n", error, 400, ""},
    {"trailers_too_large", "0\r\n" "X-A: 0123456789abcdef\r\n" "X-B: 0123456789abcdef\r\n" "X-C: 0123456789abcdef\r\n\r\n", error, 400, ""},
    {"incomplete_data", "5\r\nhel", in_progress, 0, ""},
    {"incomplete_last_chunk", "0\r\n", in_progress, 0, ""},
    {"incomplete_trailer", "0\r\nX-A: b\r\n", in_progress, 0, ""},
};
// clang-format on

class ChunkedRows : public testing::TestWithParam<Row> {};

void check(const Row& row, const Outcome& o, const char* how) {
    EXPECT_EQ(o.state, row.state) << how;
    if (row.state == error) {
        EXPECT_EQ(o.status, row.status) << how;
    }
    if (row.state == done) {
        EXPECT_EQ(o.body, row.body) << how;
        EXPECT_EQ(o.consumed, row.in.size()) << how;
    }
    if (row.state == in_progress) {
        EXPECT_EQ(o.consumed, row.in.size()) << how;
    }
}

TEST_P(ChunkedRows, WholeBuffer) {
    check(GetParam(), decode_all(GetParam().in), "whole");
}

TEST_P(ChunkedRows, OneByteAtATime) {
    check(GetParam(), decode_bytewise(GetParam().in), "bytewise");
}

INSTANTIATE_TEST_SUITE_P(Rows, ChunkedRows, testing::ValuesIn(rows),
                         [](const testing::TestParamInfo<Row>& i) { return i.param.name; });

TEST(Chunked, TrailersParsed) {
    std::string in = "5\r\nhello\r\n0\r\nX-Sum: abc\r\nx-other:  d e \r\n\r\n";
    for (bool bytewise : {false, true}) {
        ChunkedDecoder d;
        std::string body;
        if (bytewise) {
            for (char c : in)
                d.feed(std::string_view(&c, 1), body);
        } else {
            d.feed(in, body);
        }
        ASSERT_EQ(d.state(), done);
        EXPECT_EQ(body, "hello");
        EXPECT_EQ(d.body_size(), 5u);
        ASSERT_EQ(d.trailers().fields().size(), 2u);
        EXPECT_EQ(d.trailers().get("x-sum"), "abc");
        EXPECT_EQ(d.trailers().get("X-Other"), "d e");
    }
}

TEST(Chunked, StopsAtEndLeavingNextRequest) {
    std::string in = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
    ChunkedDecoder d;
    std::string body;
    std::size_t n = d.feed(in, body);
    EXPECT_EQ(d.state(), done);
    EXPECT_EQ(n, in.find("GET"));
    EXPECT_EQ(body, "abc");
    // A finished decoder consumes nothing more.
    EXPECT_EQ(d.feed("more", body), 0u);
}

TEST(Chunked, SplitAcrossFeedsAtEveryPoint) {
    std::string in = "4;x=\"y\"\r\nWiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n";
    for (std::size_t cut = 0; cut <= in.size(); ++cut) {
        ChunkedDecoder d;
        std::string body;
        std::size_t n = d.feed(std::string_view(in).substr(0, cut), body);
        n += d.feed(std::string_view(in).substr(cut), body);
        EXPECT_EQ(d.state(), done) << cut;
        EXPECT_EQ(n, in.size()) << cut;
        EXPECT_EQ(body, "Wikipedia") << cut;
        EXPECT_EQ(d.trailers().get("T"), "v") << cut;
    }
}

TEST(Chunked, ErrorReasonSet) {
    ChunkedDecoder d;
    std::string body;
    d.feed("zz\r\n", body);
    EXPECT_EQ(d.state(), error);
    EXPECT_EQ(d.error_status(), 400);
    EXPECT_FALSE(d.error_reason().empty());
}

TEST(Chunked, DefaultLimitsAllowLargeBody) {
    ChunkedDecoder d;
    std::string body;
    std::string in = "100000\r\n" + std::string(0x100000, 'x') + "\r\n0\r\n\r\n";
    EXPECT_EQ(d.feed(in, body), in.size());
    EXPECT_EQ(d.state(), done);
    EXPECT_EQ(body.size(), 0x100000u);
}

} // namespace
} // namespace quire::http
