// Tests for request path normalisation: nothing may escape the mount's root.
#include "http/path.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::http {
namespace {

using namespace std::string_literals;

struct Row {
    const char* name;
    std::string raw;
    const char* expected; // nullptr: rejected with 400
};

// clang-format off
const Row rows[] = {
    {"root", "/", "/"},
    {"simple", "/a/b", "/a/b"},
    {"trailing_slash_kept", "/a/b/", "/a/b/"},
    {"header_example", "/a/./b/../c%20d/", "/a/c d/"},
    {"dot", "/a/./b", "/a/b"},
    {"dot_at_end", "/a/.", "/a/"},
    {"dotdot_at_end", "/a/b/..", "/a/"},
    {"dotdot_to_root", "/a/..", "/"},
    {"dotdot_to_root_slash", "/a/../", "/"},
    {"repeated_slashes", "//a///b//", "/a/b/"},
    {"only_slashes", "////", "/"},
    {"only_dot", "/.", "/"},
    {"encoded_dot", "/a/%2e/b", "/a/b"},
    {"encoded_dotdot", "/a/b/%2e%2e/c", "/a/c"},
    {"encoded_dotdot_upper", "/a/b/%2E%2E/c", "/a/c"},
    {"mixed_dotdot", "/a/b/.%2e/c", "/a/c"},
    {"three_dots_is_a_name", "/a/.../b", "/a/.../b"},
    {"dot_prefixed_name", "/a/.hidden", "/a/.hidden"},
    {"dotdot_prefixed_name", "/a/..b", "/a/..b"},
    {"percent_space", "/a%20b", "/a b"},
    {"encoded_percent", "/100%25", "/100%"},
    {"encoded_percent_not_decoded_twice", "/%252e%252e/x", "/%2e%2e/x"},
    {"utf8", "/caf%C3%A9", "/caf\xc3\xa9"},
    {"utf8_raw", "/caf\xc3\xa9", "/caf\xc3\xa9"},
    {"utf8_4byte", "/%F0%9F%98%80", "/\xf0\x9f\x98\x80"},
    {"utf8_max", "/%F4%8F%BF%BF", "/\xf4\x8f\xbf\xbf"},
    {"query_chars_kept", "/a;b=c", "/a;b=c"},
    // Escapes above the root.
    {"dotdot_root", "/..", nullptr},
    {"dotdot_root_slash", "/../", nullptr},
    {"dotdot_climb", "/a/../../b", nullptr},
    {"dotdot_deep_climb", "/a/b/../../../etc/passwd", nullptr},
    {"encoded_dotdot_root", "/%2e%2e", nullptr},
    {"encoded_dotdot_climb", "/a/%2e%2e/%2e%2e/etc", nullptr},
    {"half_encoded_dotdot", "/%2e./etc", nullptr},
    {"dotdot_after_slashes", "//..//etc", nullptr},
    // Separators and NUL in disguise.
    {"encoded_slash", "/a%2fb", nullptr},
    {"encoded_slash_upper", "/a%2Fb", nullptr},
    {"encoded_slash_dotdot", "/a/..%2f..%2fetc", nullptr},
    {"backslash", "/a\\b", nullptr},
    {"backslash_dotdot", "/..\\etc", nullptr},
    {"encoded_backslash", "/a%5cb", nullptr},
    {"encoded_backslash_upper", "/a%5Cb", nullptr},
    {"encoded_backslash_dotdot", "/..%5c..%5cetc", nullptr},
    {"encoded_nul", "/a%00b", nullptr},
    {"encoded_nul_extension", "/index.html%00.txt", nullptr},
    {"raw_nul", "/a\0b"s, nullptr},
    {"encoded_ctl", "/a%0ab", nullptr},
    {"encoded_cr", "/a%0d", nullptr},
    {"encoded_del", "/a%7f", nullptr},
    {"raw_ctl", "/a\x01", nullptr},
    {"raw_tab", "/a\tb", nullptr},
    // Bad escapes.
    {"percent_at_end", "/a%", nullptr},
    {"percent_one_digit", "/a%2", nullptr},
    {"percent_not_hex", "/a%zz", nullptr},
    {"percent_half_hex", "/a%2g", nullptr},
    {"double_percent", "/a%%30", nullptr},
    // Invalid UTF-8, including the classic traversal overlongs.
    {"overlong_slash_2byte", "/a%c0%afb", nullptr},
    {"overlong_dot_2byte", "/%c0%ae%c0%ae/etc", nullptr},
    {"overlong_slash_3byte", "/a%e0%80%afb", nullptr},
    {"overlong_slash_4byte", "/a%f0%80%80%afb", nullptr},
    {"overlong_backslash", "/a%c1%9cb", nullptr},
    {"overlong_nul", "/a%c0%80b", nullptr},
    {"surrogate_high", "/%ed%a0%80", nullptr},
    {"surrogate_low", "/%ed%bf%bf", nullptr},
    {"above_max_code_point", "/%f4%90%80%80", nullptr},
    {"f5_lead", "/%f5%80%80%80", nullptr},
    {"lone_continuation", "/%80", nullptr},
    {"truncated_sequence", "/%c3", nullptr},
    {"truncated_4byte", "/%f0%9f%98", nullptr},
    {"bad_continuation", "/%c3%28", nullptr},
    {"raw_invalid_utf8", "/\xff", nullptr},
    {"ff_byte", "/%ff", nullptr},
    // Not a path.
    {"empty", "", nullptr},
    {"relative", "a/b", nullptr},
    {"asterisk", "*", nullptr},
    {"absolute_url", "http://x/", nullptr},
};
// clang-format on

class PathRows : public testing::TestWithParam<Row> {};

TEST_P(PathRows, Normalize) {
    const Row& row = GetParam();
    auto r = normalize_path(row.raw);
    if (row.expected == nullptr) {
        ASSERT_FALSE(r) << "got " << *r;
        EXPECT_EQ(r.error().status, 400);
        EXPECT_FALSE(r.error().reason.empty());
    } else {
        ASSERT_TRUE(r) << r.error().reason;
        EXPECT_EQ(*r, row.expected);
    }
}

INSTANTIATE_TEST_SUITE_P(Rows, PathRows, testing::ValuesIn(rows),
                         [](const testing::TestParamInfo<Row>& i) { return i.param.name; });

TEST(Path, EncodePath) {
    EXPECT_EQ(encode_path("/a b/c"), "/a%20b/c");
    EXPECT_EQ(encode_path("/caf\xc3\xa9"), "/caf%C3%A9");
    EXPECT_EQ(encode_path("/100%"), "/100%25");
    EXPECT_EQ(encode_path("/a-b._~!$&'()*+,;=/"), "/a-b._~!$&'()*+,;=/");
    EXPECT_EQ(encode_path("/?#[]\"<>\\"), "/%3F%23%5B%5D%22%3C%3E%5C");
}

TEST(Path, EncodeThenNormalizeRoundTrips) {
    for (std::string p : {"/a b/c d/", "/caf\xc3\xa9", "/100%", "/x?y#z"}) {
        auto r = normalize_path(encode_path(p));
        ASSERT_TRUE(r) << p;
        EXPECT_EQ(*r, p);
    }
}

TEST(Path, HtmlEscape) {
    EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
              "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    EXPECT_EQ(html_escape("plain"), "plain");
    EXPECT_EQ(html_escape(""), "");
}

} // namespace
} // namespace quire::http
