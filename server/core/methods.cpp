#include "methods.hpp"

#include <algorithm>
#include <array>

namespace quire::core {

bool is_known_method(std::string_view method) {
    // RFC 9110, RFC 5789 (PATCH), RFC 4918 (WebDAV), RFC 3253 (REPORT), RFC 4791 (MKCALENDAR).
    static constexpr std::array<std::string_view, 19> known = {
        "GET",     "HEAD",   "POST",     "PUT",        "DELETE", "OPTIONS", "TRACE",
        "CONNECT", "PATCH",  "PROPFIND", "PROPPATCH",  "MKCOL",  "COPY",    "MOVE",
        "LOCK",    "UNLOCK", "REPORT",   "MKCALENDAR", "ACL"};
    return std::find(known.begin(), known.end(), method) != known.end();
}

} // namespace quire::core
