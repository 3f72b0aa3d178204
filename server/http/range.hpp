// Range requests (RFC 9110 section 14).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace quire::http {

struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0; // inclusive
    std::uint64_t length() const { return last - first + 1; }
};

struct NoRange {};       // absent, not "bytes", or syntactically invalid: serve the whole
struct Unsatisfiable {}; // valid but none satisfiable: 416 with Content-Range: bytes */size

using RangeResult = std::variant<NoRange, Unsatisfiable, std::vector<ByteRange>>;

// Parses a Range field value against a representation of `size` bytes. Ranges are clipped to
// the size; suffix ranges supported. To resist abuse, more than max_ranges range-specs yield
// NoRange (RFC 9110 section 14.2 permits ignoring them). Overlapping and adjacent ranges are
// coalesced, so the result is ascending and disjoint. Unsatisfiable ranges in a list are dropped;
// Unsatisfiable only when none is left.
RangeResult parse_range(std::string_view value, std::uint64_t size, std::size_t max_ranges = 64);

// "bytes first-last/size"
std::string content_range(const ByteRange& r, std::uint64_t size);

} // namespace quire::http
