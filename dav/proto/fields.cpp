#include "fields.hpp"

#include <algorithm>
#include <charconv>

namespace quire::dav {

namespace {

// ASCII only (RFC 3986 scheme and host, RFC 4918 field tokens): no locale, no call per byte.
constexpr char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = lower(c);
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

tl::expected<std::optional<Depth>, std::string> parse_depth(std::optional<std::string_view> value) {
    if (!value) {
        return std::optional<Depth>{};
    }
    const auto v = trim(*value);
    if (v == "0") {
        return Depth::zero;
    }
    if (v == "1") {
        return Depth::one;
    }
    if (iequals(v, "infinity")) {
        return Depth::infinity;
    }
    return tl::unexpected("Depth must be 0, 1 or infinity, not '" + std::string(v) + "'");
}

tl::expected<bool, std::string> parse_overwrite(std::optional<std::string_view> value) {
    if (!value) {
        return true;
    }
    const auto v = trim(*value);
    if (v == "T" || v == "t") {
        return true;
    }
    if (v == "F" || v == "f") {
        return false;
    }
    return tl::unexpected("Overwrite must be T or F, not '" + std::string(v) + "'");
}

std::chrono::seconds parse_timeout(std::optional<std::string_view> value,
                                   std::chrono::seconds fallback, std::chrono::seconds max) {
    if (!value) {
        return fallback;
    }
    std::string_view rest = *value;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (iequals(item, "Infinite")) {
            return max;
        }
        constexpr std::string_view prefix = "Second-";
        if (item.size() > prefix.size() && iequals(item.substr(0, prefix.size()), prefix)) {
            const auto digits = item.substr(prefix.size());
            std::uint64_t n = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (ec == std::errc::result_out_of_range) {
                return max;
            }
            if (ec == std::errc{} && end == digits.data() + digits.size()) {
                const auto secs = std::chrono::seconds(
                    static_cast<std::chrono::seconds::rep>(std::min<std::uint64_t>(n, 1u << 31)));
                return std::clamp(secs, std::chrono::seconds(1), max);
            }
        }
    }
    return fallback;
}

tl::expected<Destination, std::string> parse_destination(std::string_view value) {
    value = trim(value);
    Destination d;
    if (value.empty()) {
        return tl::unexpected(std::string("Destination is empty"));
    }
    if (value.front() == '/') {
        d.path = std::string(value);
    } else {
        const auto colon = value.find("://");
        if (colon == std::string_view::npos) {
            return tl::unexpected("Destination is neither an absolute URI nor an absolute path: '" +
                                  std::string(value) + "'");
        }
        d.scheme = ascii_lower(value.substr(0, colon));
        auto rest = value.substr(colon + 3);
        const auto slash = rest.find('/');
        d.authority = ascii_lower(rest.substr(0, slash));
        d.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    }
    // The fragment never reaches a server; a query has no meaning for a DAV resource.
    // (One pass: find_first_of looks each character up in the set with a call of its own.)
    const auto q =
        std::find_if(d.path.begin(), d.path.end(), [](char c) { return c == '?' || c == '#'; });
    d.path.erase(q, d.path.end());
    return d;
}

} // namespace quire::dav

namespace quire::dav {

std::string sync_token_uri(std::string_view store_token) {
    std::string out(sync_token_prefix);
    out += store_token;
    return out;
}

std::string_view store_token_of(std::string_view uri) {
    if (uri.starts_with(sync_token_prefix))
        uri.remove_prefix(sync_token_prefix.size());
    return uri;
}

} // namespace quire::dav
