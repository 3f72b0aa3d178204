#include "preconditions.hpp"

#include "http/date.hpp"

namespace quire::dav {

namespace {

// The fields RFC 9110 section 13.1 defines as preconditions on a method's outcome (If-Range
// only qualifies a Range, and If-Modified-Since only a GET or HEAD).
constexpr std::string_view write_precondition_fields[] = {"If-Match", "If-Unmodified-Since",
                                                          "If-None-Match"};

bool has_precondition_field(const http::Headers& h) {
    for (auto name : write_precondition_fields)
        if (h.has(name))
            return true;
    return false;
}

// Whether this one field, alone, lets the method proceed.
bool field_holds(std::string_view method, std::string_view name, std::string_view value,
                 const http::Validators& v) {
    http::Headers one;
    one.add(std::string(name), std::string(value));
    return http::evaluate_preconditions(method, one, v) != http::Precondition::precondition_failed;
}

std::string describe(const http::Validators& v) {
    if (!v.exists)
        return "the resource does not exist";
    return "its entity tag is " + (v.etag.empty() ? std::string("none") : v.etag);
}

} // namespace

std::string quoted_etag(std::string_view store_etag) {
    std::string quoted;
    quoted.reserve(store_etag.size() + 2);
    quoted.append(1, '"').append(store_etag).append(1, '"');
    return quoted;
}

http::Validators validators_of(const storage::Result<storage::Meta>& meta) {
    if (!meta)
        return http::Validators{false, {}, std::nullopt};
    return http::Validators{true, quoted_etag(meta->etag),
                            storage::Clock::to_time_t(meta->modified)};
}

std::optional<std::string> failed_precondition(std::string_view method, const http::Headers& h,
                                               const http::Validators& v) {
    if (http::evaluate_preconditions(method, h, v) != http::Precondition::precondition_failed)
        return std::nullopt;
    // RFC 9110 section 13.2.2: If-Match first, If-Unmodified-Since only without it; then
    // If-None-Match.
    if (auto value = h.get_combined("If-Match")) {
        if (!field_holds(method, "If-Match", *value, v))
            return "If-Match: " + *value + " does not match: " + describe(v);
    } else if (auto since = h.get("If-Unmodified-Since");
               since && !field_holds(method, "If-Unmodified-Since", *since, v)) {
        return "If-Unmodified-Since: " + std::string(*since) + ": the resource was modified " +
               (v.last_modified ? "at " + http::format_http_date(*v.last_modified)
                                : std::string("since"));
    }
    if (auto value = h.get_combined("If-None-Match"))
        return "If-None-Match: " + *value +
               " matches: " + (*value == "*" ? std::string("the resource exists") : describe(v));
    return "a precondition field does not hold";
}

asio::awaitable<bool> preconditions_hold(Request& r) {
    const auto& head = r.ex.request();
    if (!(head.may_have & http::RequestHead::conditional_fields) ||
        !has_precondition_field(head.headers))
        co_return true;
    auto reason = co_await r.ex.run_blocking([&r]() -> std::optional<std::string> {
        return failed_precondition(r.ex.method(), r.ex.request().headers,
                                   validators_of(r.options.store->stat_basic(r.path)));
    });
    if (!reason)
        co_return true;
    fail(r.ex, 412, std::move(*reason));
    co_return false;
}

} // namespace quire::dav
