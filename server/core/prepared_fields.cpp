#include "response.hpp"

#include "http/date.hpp"

#include <ctime>

namespace quire::core {

std::shared_ptr<const PreparedFields> prepare_fields(std::string content_type, std::string etag,
                                                     std::time_t modified,
                                                     std::string last_modified) {
    auto p = std::make_shared<PreparedFields>();
    // RFC 9110 section 8.8.2.1: never later than the message's Date (a file stamped in the
    // future); the lines are made now and sent later, so now is never later than that Date.
    if (const std::time_t now = std::time(nullptr); modified > now) {
        modified = now;
        last_modified.clear();
    }
    p->last_modified =
        last_modified.empty() ? http::format_http_date(modified) : std::move(last_modified);
    p->lines.reserve(content_type.size() + etag.size() + p->last_modified.size() + 80);
    p->lines += "Content-Type: ";
    p->lines += content_type;
    p->lines += "\r\nAccept-Ranges: bytes\r\nETag: ";
    p->lines += etag;
    p->lines += "\r\nLast-Modified: ";
    p->lines += p->last_modified;
    p->lines += "\r\n";
    p->content_type = std::move(content_type);
    p->validators = http::Validators{true, std::move(etag), modified};
    return p;
}

} // namespace quire::core
