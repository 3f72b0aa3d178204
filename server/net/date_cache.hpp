// The Date header value, formatted once per second per worker.
#pragma once

#include "http/date.hpp"

#include <ctime>
#include <string>

namespace quire::net {

class DateCache {
public:
    const std::string& get() {
        const std::time_t now = std::time(nullptr);
        if (now != second_) {
            second_ = now;
            value_ = http::format_http_date(now);
        }
        return value_;
    }

private:
    std::time_t second_ = 0;
    std::string value_;
};

} // namespace quire::net
