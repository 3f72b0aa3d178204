// Conditional request evaluation (RFC 9110 section 13).
#include "conditional.hpp"

#include "date.hpp"
#include "syntax.hpp"

namespace quire::http {

namespace {

bool is_weak(std::string_view tag) {
    return tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/';
}

std::string_view opaque(std::string_view tag) {
    return is_weak(tag) ? tag.substr(2) : tag;
}

// RFC 9110 section 8.8.3: entity-tag = [ weak ] opaque-tag; opaque-tag = DQUOTE *etagc DQUOTE;
// etagc = %x21 / %x23-7E / obs-text. A comma is an etagc, so a list is parsed tag by tag.
bool valid_opaque(std::string_view o) {
    if (o.size() < 2 || o.front() != '"' || o.back() != '"')
        return false;
    for (char c : o.substr(1, o.size() - 2)) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u == '"' || u == 0x7f)
            return false;
    }
    return true;
}

// Calls f(tag) for each entity-tag in a #entity-tag list; false when the list is malformed.
template <class F>
bool for_each_etag(std::string_view s, F&& f) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (true) {
        while (i < n && (detail::is_ows(s[i]) || s[i] == ','))
            ++i;
        if (i == n)
            return true;
        std::size_t start = i;
        if (s.substr(i, 2) == "W/")
            i += 2;
        if (i >= n || s[i] != '"')
            return false;
        std::size_t close = s.find('"', i + 1);
        if (close == std::string_view::npos)
            return false;
        std::string_view tag = s.substr(start, close + 1 - start);
        if (!valid_opaque(opaque(tag)))
            return false;
        f(tag);
        i = close + 1;
        while (i < n && detail::is_ows(s[i]))
            ++i;
        if (i < n && s[i] != ',')
            return false;
    }
}

// RFC 9110 section 13.1.1.
bool if_match_true(std::string_view value, const Validators& v) {
    value = detail::trim_ows(value);
    if (value == "*")
        return v.exists;
    if (!v.exists || v.etag.empty())
        return false;
    bool match = false;
    bool ok = for_each_etag(
        value, [&](std::string_view tag) { match = match || etag_strong_equal(tag, v.etag); });
    return ok && match;
}

// RFC 9110 section 13.1.2.
bool if_none_match_true(std::string_view value, const Validators& v) {
    value = detail::trim_ows(value);
    if (value == "*")
        return !v.exists;
    if (!v.exists || v.etag.empty())
        return true;
    bool match = false;
    bool ok = for_each_etag(
        value, [&](std::string_view tag) { match = match || etag_weak_equal(tag, v.etag); });
    return !ok || !match; // a malformed list never matches
}

// A date-valued precondition field: its date, or nullopt when absent, repeated or invalid
// (RFC 9110 sections 13.1.3-13.1.4: such a field is ignored).
std::optional<std::time_t> single_date(const Headers& h, std::string_view name) {
    if (h.count(name) != 1)
        return std::nullopt;
    return parse_http_date(*h.get(name));
}

} // namespace

bool etag_strong_equal(std::string_view a, std::string_view b) {
    // Strong comparison: both not weak and the opaque-tags identical (section 8.8.3.2).
    return !a.empty() && !is_weak(a) && !is_weak(b) && a == b;
}

bool etag_weak_equal(std::string_view a, std::string_view b) {
    // Weak comparison: the opaque-tags identical, weakness ignored (section 8.8.3.2).
    std::string_view oa = opaque(a);
    return !oa.empty() && oa == opaque(b);
}

Precondition evaluate_preconditions(std::string_view method, const Headers& request,
                                    const Validators& v) {
    const bool get_or_head = method == "GET" || method == "HEAD";
    // RFC 9110 section 13.2.2, steps 1-2.
    if (auto im = request.get_combined("If-Match")) {
        if (!if_match_true(*im, v))
            return Precondition::precondition_failed;
    } else if (auto ius = single_date(request, "If-Unmodified-Since")) {
        if (v.last_modified && *v.last_modified > *ius)
            return Precondition::precondition_failed;
    }
    // Step 3.
    if (auto inm = request.get_combined("If-None-Match")) {
        if (!if_none_match_true(*inm, v))
            return get_or_head ? Precondition::not_modified : Precondition::precondition_failed;
        return Precondition::proceed;
    }
    // Step 4: If-Modified-Since only for GET and HEAD.
    if (get_or_head) {
        auto ims = single_date(request, "If-Modified-Since");
        // Section 13.1.3: a date later than the server's current time is invalid.
        if (ims && *ims <= std::time(nullptr) && v.exists && v.last_modified &&
            *v.last_modified <= *ims)
            return Precondition::not_modified;
    }
    return Precondition::proceed;
}

bool if_range_allows(const Headers& request, const Validators& v, std::time_t now) {
    auto ir = request.get("If-Range");
    if (!ir)
        return true;
    std::string_view value = detail::trim_ows(*ir);
    if (!value.empty() && (value.front() == '"' || is_weak(value))) {
        // RFC 9110 section 13.1.5: a strong comparison with the current entity-tag.
        if (!v.exists || !valid_opaque(opaque(value)))
            return false;
        return etag_strong_equal(value, v.etag);
    }
    // A date must be an exact match of a Last-Modified that is strong.
    auto d = parse_http_date(value);
    return d && v.exists && v.last_modified && *v.last_modified == *d && *d < now;
}

} // namespace quire::http
