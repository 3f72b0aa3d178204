// HTTP dates (RFC 9110 section 5.6.7).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace quire::http {

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);

// The UTC calendar fields of a time, by arithmetic (gmtime_r takes the time-zone lock).
struct UtcTime {
    int year = 1970;
    int month = 1; // 1..12
    int day = 1;   // 1..31
    int hour = 0;
    int minute = 0;
    int second = 0;
    int weekday = 4; // 0 = Sunday
};
UtcTime utc_time(std::time_t t);
// Accepts IMF-fixdate, the obsolete RFC 850 and asctime formats; nullopt when invalid.
std::optional<std::time_t> parse_http_date(std::string_view s);
// The same, with the current time given: an RFC 850 two-digit year is read relative to now
// (RFC 9110 section 5.6.7).
std::optional<std::time_t> parse_http_date(std::string_view s, std::time_t now);

} // namespace quire::http
