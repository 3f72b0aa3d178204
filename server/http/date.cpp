// HTTP-date parsing and formatting (RFC 9110 section 5.6.7), locale-independent.
#include "date.hpp"

#include <chrono>

#include "syntax.hpp"

#include <array>

namespace quire::http {

namespace {

constexpr std::array<std::string_view, 7> day_short = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> day_long = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> month_short = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

template <std::size_t N>
bool in_table(const std::array<std::string_view, N>& t, std::string_view s) {
    for (auto x : t)
        if (x == s) // day and month names are case-sensitive (RFC 9110 section 5.6.7)
            return true;
    return false;
}

int month_index(std::string_view s) {
    for (std::size_t i = 0; i < month_short.size(); ++i)
        if (month_short[i] == s)
            return static_cast<int>(i);
    return -1;
}

// Exactly n digits.
bool digits(std::string_view s, int& out) {
    out = 0;
    if (s.empty())
        return false;
    for (char c : s) {
        if (!detail::is_digit(c))
            return false;
        out = out * 10 + (c - '0');
    }
    return true;
}

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// "HH:MM:SS"
bool parse_time(std::string_view s, std::tm& tm) {
    if (s.size() != 8 || s[2] != ':' || s[5] != ':')
        return false;
    return digits(s.substr(0, 2), tm.tm_hour) && digits(s.substr(3, 2), tm.tm_min) &&
           digits(s.substr(6, 2), tm.tm_sec);
}

std::optional<std::time_t> finish(std::tm& tm, int year, int month) {
    static constexpr int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[month] + (month == 1 && leap(year) ? 1 : 0);
    // time-of-day allows second 60 for a leap second (RFC 5322 section 3.3).
    if (tm.tm_mday < 1 || tm.tm_mday > dim || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return std::nullopt;
    tm.tm_year = year - 1900;
    tm.tm_mon = month;
    tm.tm_isdst = 0;
    std::time_t t = timegm(&tm);
    if (t == static_cast<std::time_t>(-1))
        return std::nullopt;
    return t;
}

int current_year(std::time_t now) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    return tm.tm_year + 1900;
}

} // namespace

UtcTime utc_time(std::time_t t) {
    using namespace std::chrono;
    const sys_seconds at{seconds{t}};
    const auto day = floor<days>(at);
    const year_month_day ymd{day};
    const hh_mm_ss hms{at - day};
    return {static_cast<int>(ymd.year()),
            static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day())),
            static_cast<int>(hms.hours().count()),
            static_cast<int>(hms.minutes().count()),
            static_cast<int>(hms.seconds().count()),
            static_cast<int>(weekday{day}.c_encoding())};
}

std::string format_http_date(std::time_t t) {
    const UtcTime u = utc_time(t);
    std::tm tm{};
    tm.tm_wday = u.weekday;
    tm.tm_mon = u.month - 1;
    tm.tm_mday = u.day;
    tm.tm_year = u.year - 1900;
    tm.tm_hour = u.hour;
    tm.tm_min = u.minute;
    tm.tm_sec = u.second;
    // IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
    char buf[32];
    auto put2 = [](char* p, int v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    std::string_view day = day_short[static_cast<std::size_t>(tm.tm_wday)];
    std::string_view mon = month_short[static_cast<std::size_t>(tm.tm_mon)];
    int year = tm.tm_year + 1900;
    buf[0] = day[0], buf[1] = day[1], buf[2] = day[2], buf[3] = ',', buf[4] = ' ';
    put2(buf + 5, tm.tm_mday);
    buf[7] = ' ';
    buf[8] = mon[0], buf[9] = mon[1], buf[10] = mon[2], buf[11] = ' ';
    if (year < 0 || year > 9999)
        year = year < 0 ? 0 : 9999; // IMF-fixdate has a four-digit year
    put2(buf + 12, year / 100);
    put2(buf + 14, year % 100);
    buf[16] = ' ';
    put2(buf + 17, tm.tm_hour);
    buf[19] = ':';
    put2(buf + 20, tm.tm_min);
    buf[22] = ':';
    put2(buf + 23, tm.tm_sec);
    buf[25] = ' ', buf[26] = 'G', buf[27] = 'M', buf[28] = 'T';
    return std::string(buf, 29);
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
    return parse_http_date(s, std::time(nullptr));
}

std::optional<std::time_t> parse_http_date(std::string_view s, std::time_t now) {
    std::tm tm{};
    int year = 0;
    if (s.size() == 29 && s[3] == ',') {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        if (!in_table(day_short, s.substr(0, 3)) || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
            s[16] != ' ' || s.substr(25) != " GMT")
            return std::nullopt;
        int month = month_index(s.substr(8, 3));
        if (month < 0 || !digits(s.substr(5, 2), tm.tm_mday) || !digits(s.substr(12, 4), year) ||
            !parse_time(s.substr(17, 8), tm))
            return std::nullopt;
        return finish(tm, year, month);
    }
    if (s.size() == 24 && s[3] == ' ') {
        // asctime-date: "Sun Nov  6 08:49:37 1994"; day is 2DIGIT or SP DIGIT.
        if (!in_table(day_short, s.substr(0, 3)) || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
            return std::nullopt;
        int month = month_index(s.substr(4, 3));
        std::string_view day = s.substr(8, 2);
        if (day[0] == ' ')
            day.remove_prefix(1);
        if (month < 0 || !digits(day, tm.tm_mday) || !digits(s.substr(20, 4), year) ||
            !parse_time(s.substr(11, 8), tm))
            return std::nullopt;
        return finish(tm, year, month);
    }
    // rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT"
    std::size_t comma = s.find(',');
    if (comma == std::string_view::npos || !in_table(day_long, s.substr(0, comma)))
        return std::nullopt;
    std::string_view r = s.substr(comma + 1);
    if (r.size() != 23 || r[0] != ' ' || r[3] != '-' || r[7] != '-' || r[10] != ' ' ||
        r.substr(19) != " GMT")
        return std::nullopt;
    int month = month_index(r.substr(4, 3));
    int yy = 0;
    if (month < 0 || !digits(r.substr(1, 2), tm.tm_mday) || !digits(r.substr(8, 2), yy) ||
        !parse_time(r.substr(11, 8), tm))
        return std::nullopt;
    // RFC 9110 section 5.6.7: a two-digit year that appears to be more than 50 years in the
    // future is the most recent past year with the same last two digits.
    int cur = current_year(now);
    year = cur - cur % 100 + yy;
    if (year > cur + 50)
        year -= 100;
    else if (year <= cur - 50)
        year += 100;
    return finish(tm, year, month);
}

} // namespace quire::http
