// Table-driven tests for the request head parser (RFC 9112), in the style of lighttpd's
// src/t/test_request.c: each row is a raw request and the status it must produce.
#include "http/parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace quire::http {
namespace {

using namespace std::string_literals;

// Small limits so that the limit rows stay readable.
ParseLimits test_limits() {
    ParseLimits l;
    l.max_target = 64;
    l.max_head = 512;
    l.max_fields = 8;
    l.max_body = 1000;
    return l;
}

constexpr int incomplete = -1;

// 200 when the head parses, the error status otherwise, incomplete while find_head_end wants
// more bytes.
int status_of(std::string_view raw, RequestHead* out = nullptr,
              const ParseLimits& limits = test_limits()) {
    auto end = find_head_end(raw, limits);
    if (!end)
        return end.error().status;
    if (!*end)
        return incomplete;
    auto head = parse_head(raw.substr(0, **end), limits);
    if (!head)
        return head.error().status;
    if (out)
        *out = std::move(*head);
    return 200;
}

struct StatusRow {
    const char* name;
    std::string raw;
    int status;
};

const std::string big_target = "/" + std::string(64, 'a');   // 65 bytes > max_target
const std::string huge_target = "/" + std::string(200, 'a'); // request line never ends
std::string many_fields(int n) {
    std::string s;
    for (int i = 0; i < n; ++i)
        s += "X-F" + std::to_string(i) + ": v\r\n";
    return s;
}

// clang-format off
const StatusRow status_rows[] = {
    // Request line (RFC 9112 section 3).
    {"simple_get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"http10_no_host", "GET / HTTP/1.0\r\n\r\n", 200},
    {"bare_lf_line_ends", "GET / HTTP/1.1\nHost: a\n\n", 200},
    {"leading_empty_lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"leading_bare_lf", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"extension_method", "PROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"method_with_tchars", "M-SEARCH! / HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"lower_case_method_is_a_token", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"method_not_token", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"empty_method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"two_spaces_after_method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"two_spaces_before_version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"tab_separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"trailing_space_after_version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
    {"missing_version", "GET /\r\nHost: a\r\n\r\n", 400},
    {"http09_style", "GET\r\n\r\n", 400},
    {"version_lower_case", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
    {"version_malformed", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400},
    {"version_two_digits", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
    {"version_2_0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    // RFC 9110 section 2.5: a higher minor version of HTTP/1 is handled as HTTP/1.1 (so it
    // needs a Host too).
    {"version_1_2_as_1_1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 200},
    {"version_1_9_as_1_1", "GET / HTTP/1.9\r\nHost: a\r\n\r\n", 200},
    {"version_1_2_needs_host", "GET / HTTP/1.2\r\n\r\n", 400},
    {"version_0_9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
    {"space_in_target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"ctl_in_target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"del_in_target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"non_ascii_in_target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"nul_in_target", "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
    {"fragment_in_target", "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"target_at_limit", "GET /" + std::string(63, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"target_too_long", "GET " + big_target + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
    {"request_line_never_ends", "GET " + huge_target, 414},
    {"asterisk_options", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"asterisk_with_get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"connect_authority_form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501},
    // RFC 9112 section 3.2: the Host rules hold for CONNECT too (400 before the 501).
    {"connect_without_host", "CONNECT example.com:443 HTTP/1.1\r\n\r\n", 400},
    {"connect_with_two_hosts", "CONNECT example.com:443 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"connect_origin_form", "CONNECT /path HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"connect_http10_without_host", "CONNECT example.com:443 HTTP/1.0\r\n\r\n", 501},
    {"authority_form_with_get", "GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"relative_target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_form", "GET http://Example.COM:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n", 200},
    {"absolute_form_https", "GET https://example.com HTTP/1.1\r\nHost: a\r\n\r\n", 200},
    {"absolute_form_empty_host", "GET http:///p HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_form_userinfo", "GET http://u@example.com/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_form_bad_port", "GET http://example.com:8x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"absolute_form_other_scheme", "GET ftp://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    // Field lines (RFC 9112 section 5).
    {"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
    {"tab_before_colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n", 400},
    {"obs_fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n", 400},
    {"obs_fold_tab", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", 400},
    {"first_field_folded", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
    {"no_colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A b\r\n\r\n", 400},
    {"empty_field_name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400},
    {"invalid_name_char", "GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", 400},
    {"bare_cr_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", 400},
    {"bare_cr_line_end", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400},
    {"bare_cr_in_request_line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"nul_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n"s, 400},
    {"ctl_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x1b" "c\r\n\r\n", 400},
    {"del_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x7f\r\n\r\n", 400},
    {"htab_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\tc\r\n\r\n", 200},
    {"obs_text_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xc3\xa9\r\n\r\n", 200},
    {"empty_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A:\r\n\r\n", 200},
    {"max_fields", "GET / HTTP/1.1\r\nHost: a\r\n" + many_fields(7) + "\r\n", 200},
    {"too_many_fields", "GET / HTTP/1.1\r\nHost: a\r\n" + many_fields(8) + "\r\n", 431},
    {"head_too_large", "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + std::string(600, 'b') + "\r\n\r\n", 431},
    {"head_too_large_incomplete", "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + std::string(600, 'b'), 431},
    {"incomplete_head", "GET / HTTP/1.1\r\nHost: a\r\n", incomplete},
    {"incomplete_after_cr", "GET / HTTP/1.1\r\nHost: a\r\n\r", incomplete},
    // Host (RFC 9112 section 3.2, RFC 9110 section 7.2).
    {"missing_host_11", "GET / HTTP/1.1\r\n\r\n", 400},
    {"repeated_host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400},
    {"repeated_host_10", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400},
    {"empty_host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 200},
    {"host_with_port", "GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", 200},
    {"host_ipv4", "GET / HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n", 200},
    {"host_ipv6", "GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n", 200},
    {"host_ipv6_unclosed", "GET / HTTP/1.1\r\nHost: [2001:db8::1\r\n\r\n", 400},
    {"host_ipv6_bad_char", "GET / HTTP/1.1\r\nHost: [2001:zz8::1]\r\n\r\n", 400},
    {"host_with_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
    {"host_with_slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
    {"host_with_userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400},
    {"host_port_not_digits", "GET / HTTP/1.1\r\nHost: a:http\r\n\r\n", 400},
    {"host_port_too_big", "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", 400},
    {"host_two_colons", "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", 400},
    {"host_bad_pct", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", 400},
    {"absolute_form_still_needs_host", "GET http://a/ HTTP/1.1\r\n\r\n", 400},
    {"absolute_form_invalid_host_field", "GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
    {"absolute_form_http10_no_host", "GET http://a/ HTTP/1.0\r\n\r\n", 200},
    // Body framing (RFC 9112 section 6).
    {"content_length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 200},
    {"content_length_zero", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 200},
    {"content_length_identical_list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 200},
    {"content_length_identical_fields", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 200},
    {"content_length_differing_list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400},
    {"content_length_differing_fields", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
    {"content_length_negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
    {"content_length_plus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400},
    {"content_length_hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400},
    {"content_length_empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400},
    {"content_length_empty_element", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", 400},
    {"content_length_inner_space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400},
    {"content_length_overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n", 400},
    {"content_length_too_large", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", 413},
    {"content_length_at_limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n", 200},
    {"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 200},
    {"chunked_mixed_case", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ChUnKeD\r\n\r\n", 200},
    {"te_and_cl", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
    {"cl_and_te", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
    {"te_not_chunked_last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
    {"te_gzip_only", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
    {"te_gzip_then_chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
    {"te_gzip_then_chunked_two_fields", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
    {"te_chunked_twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
    {"te_empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400},
    {"te_chunked_with_param", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400},
    {"te_identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400},
    {"te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
    {"te_name_with_space", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400},
    // Expect (RFC 9110 section 10.1.1).
    {"expect_100_continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", 200},
    {"expect_other", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417},
    {"expect_other_after_continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, 200-ok\r\n\r\n", 417},
    // An empty list is no expectation (RFC 9110 section 5.6.1).
    {"expect_empty", "POST / HTTP/1.1\r\nHost: a\r\nExpect:\r\n\r\n", 200},
};
// clang-format on

class ParserStatus : public testing::TestWithParam<StatusRow> {};

TEST_P(ParserStatus, Status) {
    const StatusRow& row = GetParam();
    EXPECT_EQ(status_of(row.raw), row.status) << row.name;
}

INSTANTIATE_TEST_SUITE_P(Rows, ParserStatus, testing::ValuesIn(status_rows),
                         [](const testing::TestParamInfo<StatusRow>& i) { return i.param.name; });

// Rows that check the parsed fields.
struct FieldRow {
    const char* name;
    std::string raw;
    std::string method, path, query, host;
    TargetForm form;
    BodyFraming framing;
    std::uint64_t content_length;
    bool keep_alive;
    bool expect_continue;
    int version_minor;
};

// clang-format off
const FieldRow field_rows[] = {
    {"origin", "GET /a/b?x=1&y HTTP/1.1\r\nHost: Example.ORG\r\n\r\n",
     "GET", "/a/b", "x=1&y", "example.org", TargetForm::origin, BodyFraming::none, 0, true, false, 1},
    {"host_port_stripped", "GET / HTTP/1.1\r\nHost: WWW.Example.com:8080\r\n\r\n",
     "GET", "/", "", "www.example.com", TargetForm::origin, BodyFraming::none, 0, true, false, 1},
    {"ipv6_host", "GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n",
     "GET", "/", "", "[2001:db8::1]", TargetForm::origin, BodyFraming::none, 0, true, false, 1},
    {"empty_query", "GET /? HTTP/1.1\r\nHost: a\r\n\r\n",
     "GET", "/", "", "a", TargetForm::origin, BodyFraming::none, 0, true, false, 1},
    {"absolute_overrides_host", "GET http://Example.COM:8080/p/q?z HTTP/1.1\r\nHost: other\r\n\r\n",
     "GET", "/p/q", "z", "example.com", TargetForm::absolute, BodyFraming::none, 0, true, false, 1},
    {"absolute_no_path", "GET HTTP://Example.com HTTP/1.1\r\nHost: x\r\n\r\n",
     "GET", "/", "", "example.com", TargetForm::absolute, BodyFraming::none, 0, true, false, 1},
    {"absolute_query_no_path", "GET http://example.com?q=1 HTTP/1.1\r\nHost: x\r\n\r\n",
     "GET", "/", "q=1", "example.com", TargetForm::absolute, BodyFraming::none, 0, true, false, 1},
    {"asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
     "OPTIONS", "*", "", "a", TargetForm::asterisk, BodyFraming::none, 0, true, false, 1},
    {"connection_close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n",
     "GET", "/", "", "a", TargetForm::origin, BodyFraming::none, 0, false, false, 1},
    {"http10_default_close", "GET / HTTP/1.0\r\n\r\n",
     "GET", "/", "", "", TargetForm::origin, BodyFraming::none, 0, false, false, 0},
    {"http10_keep_alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
     "GET", "/", "", "", TargetForm::origin, BodyFraming::none, 0, true, false, 0},
    {"http10_keep_alive_and_close", "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
     "GET", "/", "", "", TargetForm::origin, BodyFraming::none, 0, false, false, 0},
    {"content_length_collapsed", "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 42 , 42\r\n\r\n",
     "PUT", "/f", "", "a", TargetForm::origin, BodyFraming::content_length, 42, true, false, 1},
    {"chunked_framing", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
     "POST", "/", "", "a", TargetForm::origin, BodyFraming::chunked, 0, true, false, 1},
    {"expect_continue", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
     "PUT", "/", "", "a", TargetForm::origin, BodyFraming::content_length, 3, true, true, 1},
    {"expect_continue_twice", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nExpect: 100-continue, \r\nContent-Length: 3\r\n\r\n",
     "PUT", "/", "", "a", TargetForm::origin, BodyFraming::content_length, 3, true, true, 1},
    {"expect_empty_member", "PUT / HTTP/1.1\r\nHost: a\r\nExpect: ,\r\nContent-Length: 3\r\n\r\n",
     "PUT", "/", "", "a", TargetForm::origin, BodyFraming::content_length, 3, true, false, 1},
    {"expect_continue_ignored_in_10", "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
     "PUT", "/", "", "", TargetForm::origin, BodyFraming::content_length, 3, false, false, 0},
};
// clang-format on

class ParserFields : public testing::TestWithParam<FieldRow> {};

TEST_P(ParserFields, Fields) {
    const FieldRow& row = GetParam();
    RequestHead h;
    ASSERT_EQ(status_of(row.raw, &h), 200);
    EXPECT_EQ(h.method, row.method);
    EXPECT_EQ(h.path, row.path);
    EXPECT_EQ(h.query, row.query);
    EXPECT_EQ(h.host, row.host);
    EXPECT_EQ(h.form, row.form);
    EXPECT_EQ(h.framing, row.framing);
    EXPECT_EQ(h.content_length, row.content_length);
    EXPECT_EQ(h.keep_alive, row.keep_alive);
    EXPECT_EQ(h.expect_continue, row.expect_continue);
    EXPECT_EQ(h.version_minor, row.version_minor);
}

INSTANTIATE_TEST_SUITE_P(Rows, ParserFields, testing::ValuesIn(field_rows),
                         [](const testing::TestParamInfo<FieldRow>& i) { return i.param.name; });

TEST(Parser, FieldValuesTrimmedAndCasePreserved) {
    RequestHead h;
    ASSERT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX-Thing: \t  v a l \t \r\n\r\n", &h), 200);
    ASSERT_EQ(h.headers.fields().size(), 2u);
    EXPECT_EQ(h.headers.fields()[1].name, "X-Thing");
    EXPECT_EQ(h.headers.get("x-thing"), "v a l");
    EXPECT_EQ(h.target, "/");
}

// The output filters skip their lookups for the kinds of fields a request lacks, so a field
// of such a kind that parse_head fails to note would be silently ignored.
TEST(Parser, NotesWhichConditionalAndRangeFieldsMayBePresent) {
    constexpr unsigned cond = RequestHead::conditional_fields;
    constexpr unsigned range = RequestHead::range_field;
    struct Row {
        const char* fields;
        unsigned expected;
    };
    const Row rows[] = {
        {"", 0},
        {"Accept: */*\r\nIfx: 1\r\nRanges: 2\r\nX-Range: 3\r\n", 0},
        {"If-Match: \"a\"\r\n", cond},
        {"if-none-match: *\r\n", cond},
        {"IF-MODIFIED-SINCE: Sun, 06 Nov 1994 08:49:37 GMT\r\n", cond},
        {"If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", cond},
        {"range: bytes=0-1\r\n", range},
        {"Range: bytes=0-1\r\nIf-Range: \"a\"\r\n", cond | range},
    };
    for (const auto& row : rows) {
        RequestHead h;
        std::string raw = "GET / HTTP/1.1\r\nHost: a\r\n" + std::string(row.fields) + "\r\n";
        ASSERT_EQ(status_of(raw, &h), 200) << row.fields;
        EXPECT_EQ(h.may_have, row.expected) << row.fields;
    }
    EXPECT_EQ(RequestHead{}.may_have & (cond | range), cond | range)
        << "a head not from parse_head must get every lookup";
}

// A connection parses each request into the same head: nothing of the one before may remain.
TEST(Parser, ParsingIntoAUsedHeadLeavesNothingOfTheRequestBefore) {
    RequestHead h;
    ASSERT_TRUE(parse_head_into("POST http://Example.org/a/b?x=1 HTTP/1.0\r\nHost: other\r\n"
                                "Connection: keep-alive\r\nContent-Length: 5\r\n"
                                "Expect: 100-continue\r\nIf-Match: *\r\nRange: bytes=0-1\r\n\r\n",
                                test_limits(), h));
    ASSERT_EQ(h.form, TargetForm::absolute);
    ASSERT_EQ(h.framing, BodyFraming::content_length);
    ASSERT_TRUE(h.keep_alive);
    ASSERT_EQ(h.version_minor, 0);
    ASSERT_TRUE(parse_head_into("GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
                                test_limits(), h));
    EXPECT_EQ(h.method, "GET");
    EXPECT_EQ(h.target, "/c");
    EXPECT_EQ(h.form, TargetForm::origin);
    EXPECT_EQ(h.path, "/c");
    EXPECT_EQ(h.query, "");
    EXPECT_EQ(h.host, "h");
    EXPECT_EQ(h.version_minor, 1);
    EXPECT_EQ(h.framing, BodyFraming::none);
    EXPECT_EQ(h.content_length, 0u);
    EXPECT_FALSE(h.keep_alive);
    EXPECT_FALSE(h.expect_continue);
    EXPECT_EQ(h.may_have, 0u);
    EXPECT_EQ(h.headers.fields().size(), 2u);
    EXPECT_FALSE(h.headers.get("Content-Length"));
    // And after a request that failed half-way, the next one parses whole.
    EXPECT_FALSE(
        parse_head_into("GET /d HTTP/1.1\r\nHost: h\r\nBad Field: x\r\n\r\n", test_limits(), h));
    ASSERT_TRUE(parse_head_into("GET /e?q HTTP/1.1\r\nHost: h\r\n\r\n", test_limits(), h));
    EXPECT_EQ(h.path, "/e");
    EXPECT_EQ(h.query, "q");
    EXPECT_EQ(h.headers.fields().size(), 1u);
    EXPECT_TRUE(h.keep_alive);
}

TEST(Parser, HeadEndIndexLeavesPipelinedRequest) {
    std::string two = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    auto end = find_head_end(two, test_limits());
    ASSERT_TRUE(end && *end);
    EXPECT_EQ(**end, two.size() / 2);
    auto end2 = find_head_end(std::string_view(two).substr(**end), test_limits());
    ASSERT_TRUE(end2 && *end2);
    EXPECT_EQ(**end2, two.size() / 2);
}

TEST(Parser, HeadEndWithBareLf) {
    auto end = find_head_end("GET / HTTP/1.0\n\nbody", test_limits());
    ASSERT_TRUE(end && *end);
    EXPECT_EQ(**end, 16u);
}

TEST(Parser, HeadEndOnlyEmptyLinesIsIncomplete) {
    auto end = find_head_end("\r\n\r\n\r\n", test_limits());
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
}

TEST(Parser, ErrorsCarryReason) {
    auto r = parse_head("GET / HTTP/1.1\r\n\r\n", test_limits());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().status, 400);
    EXPECT_FALSE(r.error().reason.empty());
}

TEST(Parser, IsTchar) {
    for (char c : std::string_view("!#$%&'*+-.^_`|~09azAZ"))
        EXPECT_TRUE(is_tchar(c)) << c;
    for (char c : std::string_view(" \t\"(),/:;<=>?@[\\]{}\x7f"))
        EXPECT_FALSE(is_tchar(c)) << c;
    EXPECT_FALSE(is_tchar('\xc3'));
}

} // namespace
} // namespace quire::http
