// Range requests (RFC 9110 section 14).
#include "range.hpp"

#include "headers.hpp"
#include "syntax.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace quire::http {

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

// 1*DIGIT; a value too large for 64 bits saturates (it is still syntactically valid and can
// only mean "beyond the end").
bool parse_pos(std::string_view s, std::uint64_t& out) {
    if (s.empty())
        return false;
    for (char c : s)
        if (!detail::is_digit(c))
            return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc::result_out_of_range)
        out = u64_max;
    else if (ec != std::errc() || ptr != s.data() + s.size())
        return false;
    return true;
}

} // namespace

RangeResult parse_range(std::string_view value, std::uint64_t size, std::size_t max_ranges) {
    // RFC 9110 section 14.2: ranges-specifier = range-unit "=" range-set; units are
    // case-insensitive (section 14.1).
    value = detail::trim_ows(value);
    if (value.size() < 6 || !iequals(value.substr(0, 6), "bytes="))
        return NoRange{};
    value.remove_prefix(6);

    std::vector<ByteRange> ranges;
    std::size_t specs = 0;
    bool valid = true;
    // range-set = 1#range-spec (RFC 9110 section 5.6.1: empty list elements are ignored).
    detail::for_each_list_element(value, [&](std::string_view spec) {
        if (++specs > max_ranges) {
            valid = false;
            return false;
        }
        std::size_t dash = spec.find('-');
        if (dash == std::string_view::npos) {
            valid = false;
            return false;
        }
        std::string_view a = spec.substr(0, dash);
        std::string_view b = spec.substr(dash + 1);
        if (a.empty()) {
            // suffix-range = "-" suffix-length (section 14.1.1)
            std::uint64_t suffix = 0;
            if (!parse_pos(b, suffix)) {
                valid = false;
                return false;
            }
            if (suffix > 0 && size > 0)
                ranges.push_back({size - std::min(suffix, size), size - 1});
            return true;
        }
        std::uint64_t first = 0;
        std::uint64_t last = u64_max;
        if (!parse_pos(a, first) || (!b.empty() && !parse_pos(b, last))) {
            valid = false;
            return false;
        }
        // A range-spec is invalid when last-pos < first-pos (section 14.1.1).
        if (last < first) {
            valid = false;
            return false;
        }
        if (first < size)
            ranges.push_back({first, std::min(last, size - 1)});
        return true;
    });
    if (!valid || specs == 0)
        return NoRange{};
    // RFC 9110 section 15.5.17: 416 when no range is satisfiable.
    if (ranges.empty())
        return Unsatisfiable{};
    // Section 14.2 lets a server coalesce overlapping or adjacent ranges; doing so defuses
    // requests that ask for the same bytes many times. The parts then keep the order the
    // client asked for them in (section 15.3.7.2), a coalesced one at its first member's place.
    struct Placed {
        ByteRange range;
        std::size_t order;
    };
    std::vector<Placed> placed;
    placed.reserve(ranges.size());
    for (std::size_t i = 0; i < ranges.size(); ++i)
        placed.push_back({ranges[i], i});
    std::sort(placed.begin(), placed.end(),
              [](const Placed& x, const Placed& y) { return x.range.first < y.range.first; });
    std::vector<Placed> merged;
    merged.reserve(placed.size());
    for (const auto& p : placed) {
        if (!merged.empty() && p.range.first <= merged.back().range.last + 1) {
            merged.back().range.last = std::max(merged.back().range.last, p.range.last);
            merged.back().order = std::min(merged.back().order, p.order);
        } else {
            merged.push_back(p);
        }
    }
    std::sort(merged.begin(), merged.end(),
              [](const Placed& x, const Placed& y) { return x.order < y.order; });
    std::vector<ByteRange> out;
    out.reserve(merged.size());
    for (const auto& m : merged)
        out.push_back(m.range);
    return out;
}

std::string content_range(const ByteRange& r, std::uint64_t size) {
    // RFC 9110 section 14.4: Content-Range: bytes first-last/complete-length
    std::string out = "bytes ";
    out += std::to_string(r.first);
    out += '-';
    out += std::to_string(r.last);
    out += '/';
    out += std::to_string(size);
    return out;
}

} // namespace quire::http
