// Conditional requests (RFC 9110 section 13).
#pragma once

#include "headers.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace quire::http {

// What the server knows of the selected representation.
struct Validators {
    bool exists = true;
    std::string etag; // with quotes, e.g. "\"abc\"" or "W/\"abc\""; empty if none
    std::optional<std::time_t> last_modified;
};

enum class Precondition {
    proceed,             // evaluate the method normally
    not_modified,        // 304 (GET/HEAD only)
    precondition_failed, // 412
};

// RFC 9110 section 13.2.2 order: If-Match, else If-Unmodified-Since; If-None-Match, else
// If-Modified-Since (only for GET/HEAD). Strong comparison for If-Match, weak for If-None-Match.
Precondition evaluate_preconditions(std::string_view method, const Headers& request,
                                    const Validators& v);

// RFC 9110 section 13.1.5: true when a Range should be honoured given If-Range (true when
// If-Range is absent). An entity-tag must match strongly; a date must equal Last-Modified, and
// that date must be strong (section 8.8.2.2): at least a second before `now`, so that the
// representation cannot have changed again within the second it names.
bool if_range_allows(const Headers& request, const Validators& v,
                     std::time_t now = std::time(nullptr));

// Entity-tag comparison (RFC 9110 section 8.8.3.2).
bool etag_strong_equal(std::string_view a, std::string_view b);
bool etag_weak_equal(std::string_view a, std::string_view b);

} // namespace quire::http
