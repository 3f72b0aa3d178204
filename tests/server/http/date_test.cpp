// Tests for HTTP-date parsing and formatting (RFC 9110 section 5.6.7).
#include "http/date.hpp"

#include <gtest/gtest.h>

namespace quire::http {
namespace {

constexpr std::time_t rfc_example = 784111777; // Sun, 06 Nov 1994 08:49:37 GMT
// Sun, 22 Nov 2026 00:00:00 GMT: "now" for the two-digit-year rows.
constexpr std::time_t now_2026 = 1795305600;

struct Row {
    const char* name;
    const char* text;
    bool valid;
    std::time_t t;
};

// clang-format off
const Row rows[] = {
    {"imf_fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", true, rfc_example},
    {"rfc850", "Sunday, 06-Nov-94 08:49:37 GMT", true, rfc_example},
    {"asctime", "Sun Nov  6 08:49:37 1994", true, rfc_example},
    {"asctime_two_digit_day", "Sun Nov 06 08:49:37 1994", true, rfc_example},
    {"epoch", "Thu, 01 Jan 1970 00:00:00 GMT", true, 0},
    {"leap_day", "Thu, 29 Feb 2024 12:00:00 GMT", true, 1709208000},
    {"end_of_year", "Fri, 31 Dec 1999 23:59:59 GMT", true, 946684799},
    {"rfc850_year_26", "Sunday, 22-Nov-26 00:00:00 GMT", true, now_2026},
    {"rfc850_year_76_is_future", "Sunday, 22-Nov-76 00:00:00 GMT", true, 3373228800},
    {"rfc850_year_77_is_past", "Tuesday, 22-Nov-77 00:00:00 GMT", true, 249004800},
    {"rfc850_year_00", "Saturday, 01-Jan-00 00:00:00 GMT", true, 946684800},
    {"empty", "", false, 0},
    {"lower_case_month", "Sun, 06 nov 1994 08:49:37 GMT", false, 0},
    {"lower_case_day", "sun, 06 Nov 1994 08:49:37 GMT", false, 0},
    {"bad_day_name", "Xyz, 06 Nov 1994 08:49:37 GMT", false, 0},
    {"bad_month", "Sun, 06 Nox 1994 08:49:37 GMT", false, 0},
    {"utc_not_gmt", "Sun, 06 Nov 1994 08:49:37 UTC", false, 0},
    {"single_digit_day", "Sun, 6 Nov 1994 08:49:37 GMT", false, 0},
    {"two_digit_year_imf", "Sun, 06 Nov 94 08:49:37 GMT", false, 0},
    {"hour_24", "Sun, 06 Nov 1994 24:00:00 GMT", false, 0},
    {"minute_60", "Sun, 06 Nov 1994 08:60:00 GMT", false, 0},
    {"feb_30", "Sun, 30 Feb 1994 08:49:37 GMT", false, 0},
    {"feb_29_non_leap", "Tue, 29 Feb 2022 08:49:37 GMT", false, 0},
    {"day_zero", "Sun, 00 Nov 1994 08:49:37 GMT", false, 0},
    {"trailing_garbage", "Sun, 06 Nov 1994 08:49:37 GMTX", false, 0},
    {"leading_space", " Sun, 06 Nov 1994 08:49:37 GMT", false, 0},
    {"rfc850_short_day", "Sun, 06-Nov-94 08:49:37 GMT", false, 0},
    {"rfc850_four_digit_year", "Sunday, 06-Nov-1994 08:49:37 GMT", false, 0},
    {"asctime_bad_padding", "Sun Nov 6  08:49:37 1994", false, 0},
    {"not_a_date", "yesterday", false, 0},
    {"signs_in_digits", "Sun, +6 Nov 1994 08:49:37 GMT", false, 0},
};
// clang-format on

class DateRows : public testing::TestWithParam<Row> {};

TEST_P(DateRows, Parse) {
    const Row& row = GetParam();
    auto t = parse_http_date(row.text, now_2026);
    ASSERT_EQ(t.has_value(), row.valid);
    if (row.valid) {
        EXPECT_EQ(*t, row.t);
    }
}

INSTANTIATE_TEST_SUITE_P(Rows, DateRows, testing::ValuesIn(rows),
                         [](const testing::TestParamInfo<Row>& i) { return i.param.name; });

TEST(Date, Format) {
    EXPECT_EQ(format_http_date(rfc_example), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(format_http_date(1709208000), "Thu, 29 Feb 2024 12:00:00 GMT");
}

TEST(Date, RoundTrip) {
    for (std::time_t t = 0; t < 4102444800; t += 86400 * 37 + 3671) {
        auto back = parse_http_date(format_http_date(t));
        ASSERT_TRUE(back) << t;
        EXPECT_EQ(*back, t);
    }
}

TEST(Date, DefaultNowUsesCurrentTime) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), rfc_example);
    // A two-digit year equal to the current one's last digits is this century.
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    static const char* days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::snprintf(buf, sizeof buf, "%s, %02d-%s-%02d %02d:%02d:%02d GMT", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year % 100, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    EXPECT_EQ(parse_http_date(buf), now);
}

} // namespace
} // namespace quire::http

namespace quire::http {
namespace {

// utc_time is calendar arithmetic; it must agree with gmtime_r everywhere, leap days, the
// years before 1970 and the end of 2038 included.
TEST(HttpDate, UtcTimeAgreesWithGmtime) {
    for (std::int64_t t = -2'300'000'000; t < 5'000'000'000; t += 86'399 * 7 + 3'613) {
        const auto at = static_cast<std::time_t>(t);
        std::tm tm{};
        ASSERT_NE(gmtime_r(&at, &tm), nullptr);
        const UtcTime u = utc_time(at);
        ASSERT_EQ(u.year, tm.tm_year + 1900) << t;
        ASSERT_EQ(u.month, tm.tm_mon + 1) << t;
        ASSERT_EQ(u.day, tm.tm_mday) << t;
        ASSERT_EQ(u.hour, tm.tm_hour) << t;
        ASSERT_EQ(u.minute, tm.tm_min) << t;
        ASSERT_EQ(u.second, tm.tm_sec) << t;
        ASSERT_EQ(u.weekday, tm.tm_wday) << t;
    }
    EXPECT_EQ(format_http_date(951'782'400), "Tue, 29 Feb 2000 00:00:00 GMT");
    EXPECT_EQ(format_http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

} // namespace
} // namespace quire::http
