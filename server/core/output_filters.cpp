#include "output_filters.hpp"

#include <ctime>

#include "http/date.hpp"
#include "http/path.hpp"
#include "http/range.hpp"
#include "http/status.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace quire::core {

namespace {

bool is_get_or_head(const std::string& m) {
    return m == "GET" || m == "HEAD";
}

// RFC 9110 section 15.4.5: a 304 carries the fields a 200 would have had that describe the
// selected representation, and no body; Last-Modified only when there is no ETag (a SHOULD
// NOT otherwise).
void make_not_modified(Response& r) {
    http::Headers kept;
    const bool has_etag = r.headers.has("ETag");
    for (const auto& f : r.headers.fields()) {
        for (const char* name : {"ETag", "Last-Modified", "Cache-Control", "Expires", "Vary",
                                 "Content-Location", "Date"}) {
            if (http::iequals(f.name, name) &&
                !(has_etag && http::iequals(name, "Last-Modified"))) {
                kept.add(f.name, f.value);
            }
        }
    }
    r.status = 304;
    r.headers = std::move(kept);
    r.body.clear();
}

// RFC 2046 section 5.1.1: the boundary must not occur in any part. It is a hash of the
// response's validator and size, of where the response sits in memory and of the moment it is
// made: a body would have to contain a hash of its own etag and of that moment. It never needs
// to be unpredictable, so no counter or generator is kept between responses.
std::string make_boundary(const Response& r, std::uint64_t size) {
    std::uint64_t h = 0xcbf29ce484222325ull; // FNV-1a
    auto mix_byte = [&h](unsigned char b) {
        h ^= b;
        h *= 0x100000001b3ull;
    };
    auto mix = [&](std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            mix_byte(static_cast<unsigned char>(v >> (8 * i)));
    };
    if (r.validators)
        for (char c : r.validators->etag)
            mix_byte(static_cast<unsigned char>(c));
    mix(size);
    mix(reinterpret_cast<std::uintptr_t>(&r));
    mix(static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    char buf[40];
    std::snprintf(buf, sizeof buf, "quire-%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void apply_ranges(const http::RequestHead& request, Response& r) {
    const auto size = r.body.known_length();
    if (!size || !r.body.seekable()) {
        return;
    }
    r.headers.add("Accept-Ranges", "bytes");
    if (!(request.may_have & http::RequestHead::range_field)) {
        return;
    }
    auto range_field = request.headers.get("Range");
    if (!range_field || (request.method != "GET" && request.method != "HEAD")) {
        return;
    }
    if (*size == 0) {
        // RFC 9110 section 14.1.1: an empty representation has no byte a range could name
        // (a suffix range is satisfiable, yet no Content-Range can say "nothing"): the Range is
        // ignored, which section 14.2 allows, and the empty body goes out with 200.
        return;
    }
    if (r.validators && !http::if_range_allows(request.headers, *r.validators)) {
        return;
    }
    auto result = http::parse_range(*range_field, *size);
    if (std::holds_alternative<http::NoRange>(result)) {
        return;
    }
    if (std::holds_alternative<http::Unsatisfiable>(result)) {
        // The validators are still apart from the fields here (apply_conditional_and_range
        // adds them after the ranges).
        auto etag = r.headers.get("ETag");
        std::string etag_value = etag           ? std::string(*etag)
                                 : r.validators ? r.validators->etag
                                                : std::string();
        r.error(416);
        r.headers.set("Content-Range", "bytes */" + std::to_string(*size));
        if (!etag_value.empty()) {
            r.headers.set("ETag", etag_value);
        }
        return;
    }
    const auto& ranges = std::get<std::vector<http::ByteRange>>(result);
    r.status = 206;
    if (ranges.size() == 1) {
        r.headers.set("Content-Range", http::content_range(ranges[0], *size));
        r.body = r.body.slice(ranges[0].first, ranges[0].length());
        return;
    }
    // RFC 9110 section 14.6: multipart/byteranges.
    const std::string boundary = make_boundary(r, *size);
    std::string type(r.headers.get("Content-Type").value_or("application/octet-stream"));
    Body parts;
    for (const auto& range : ranges) {
        parts.append("\r\n--" + boundary + "\r\nContent-Type: " + type +
                     "\r\nContent-Range: " + http::content_range(range, *size) + "\r\n\r\n");
        Body part = r.body.slice(range.first, range.length());
        for (auto& b : part.buckets()) {
            parts.buckets().push_back(std::move(b));
        }
    }
    parts.append("\r\n--" + boundary + "--\r\n");
    r.body = std::move(parts);
    r.headers.set("Content-Type", "multipart/byteranges; boundary=" + boundary);
}

} // namespace

void apply_conditional_and_range(const http::RequestHead& request, Response& r) {
    if (r.status != 200) {
        return;
    }
    if (r.prepared) {
        constexpr unsigned looked_at =
            http::RequestHead::conditional_fields | http::RequestHead::range_field;
        if (!(request.may_have & looked_at)) {
            return; // a whole 200: the prepared lines go out as they are
        }
        // The answer may become a 304, 206, 412 or 416: ordinary fields from here on.
        const auto& p = *r.prepared;
        r.headers.add("Content-Type", p.content_type);
        r.validators = p.validators;
        r.last_modified_text = p.last_modified;
        r.accept_ranges = true;
        r.prepared.reset();
    }
    if (!r.validators) {
        return;
    }
    // RFC 9110 section 8.8.2.1: a Last-Modified later than the Date (a file stamped in the
    // future) is sent, and weighed, as the Date.
    if (const std::time_t now = std::time(nullptr);
        r.validators->last_modified && *r.validators->last_modified > now) {
        r.validators->last_modified = now;
        r.last_modified_text.clear();
    }
    const auto outcome =
        request.may_have & http::RequestHead::conditional_fields
            ? http::evaluate_preconditions(request.method, request.headers, *r.validators)
            : http::Precondition::proceed;
    if (outcome == http::Precondition::precondition_failed ||
        (outcome == http::Precondition::not_modified && !is_get_or_head(request.method))) {
        r.error(412);
        return;
    }
    if (outcome == http::Precondition::proceed && r.accept_ranges) {
        apply_ranges(request, r); // reads the validators (If-Range)
        if (r.status != 200 && r.status != 206) {
            return; // 416
        }
    }
    // A handler that gives validators leaves ETag and Last-Modified to the core (a 304 keeps
    // them, RFC 9110 section 15.4.5). Moved, not copied: nothing reads them after this.
    auto& v = *r.validators;
    if (!v.etag.empty()) {
        r.headers.add("ETag", std::move(v.etag));
    }
    if (v.last_modified) {
        r.headers.add("Last-Modified", r.last_modified_text.empty()
                                           ? http::format_http_date(*v.last_modified)
                                           : std::move(r.last_modified_text));
    }
    if (outcome == http::Precondition::not_modified) {
        make_not_modified(r);
    }
}

void apply_error_page(Response& r, const Mount* mount, const VirtualHost* host) {
    if (r.status < 400 || !r.body.empty()) {
        return;
    }
    const ErrorPage* page = nullptr;
    if (mount) {
        if (auto it = mount->error_pages.find(r.status); it != mount->error_pages.end()) {
            page = &it->second;
        }
    }
    if (!page && host) {
        if (auto it = host->error_pages.find(r.status); it != host->error_pages.end()) {
            page = &it->second;
        }
    }
    if (page) {
        r.headers.set("Content-Type", page->content_type);
        r.body.append(page->body);
        return;
    }
    const std::string title =
        std::to_string(r.status) + " " + std::string(http::reason_phrase(r.status));
    std::string html = "<!DOCTYPE html>\n<html><head><title>" + title +
                       "</title></head>\n<body><h1>" + title + "</h1>\n";
    if (!r.error_detail.empty()) {
        html += "<p>" + http::html_escape(r.error_detail) + "</p>\n";
    }
    html += "</body></html>\n";
    r.headers.set("Content-Type", "text/html; charset=utf-8");
    r.body.append(std::move(html));
}

} // namespace quire::core
