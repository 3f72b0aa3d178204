// Internal ASCII helpers shared by the quire_http sources (not part of the public interface).
#pragma once

#include "headers.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace quire::http::detail {

constexpr char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// A table of the bytes that are ALPHA, DIGIT or in `others`.
constexpr std::array<bool, 256> alnum_and(std::string_view others) {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] = true;
    for (char c : others)
        t[static_cast<unsigned char>(c)] = true;
    return t;
}

// RFC 9110 section 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
inline constexpr std::array<bool, 256> tchar_table = alnum_and("!#$%&'*+-.^_`|~");

constexpr bool tchar(char c) {
    return tchar_table[static_cast<unsigned char>(c)];
}
constexpr bool is_ows(char c) {
    return c == ' ' || c == '\t';
}
constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
// CTL other than HTAB, which field values may not contain (RFC 9110 section 5.5).
constexpr bool is_bad_value_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
}

// True when s holds a byte that may not appear in a field value. Eight bytes at a time: the
// SWAR test flags any word with a byte below 0x20 (HTAB included) or equal to 0x7F, and only
// such words are looked at byte by byte. Values are most of a request head's bytes.
inline bool has_bad_value_char(std::string_view s) {
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    const char* p = s.data();
    std::size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        std::uint64_t below_space = (x - ones * 0x20) & ~x & highs;
        std::uint64_t y = x ^ (ones * 0x7f);
        std::uint64_t del = (y - ones) & ~y & highs;
        if ((below_space | del) == 0)
            continue;
        for (int i = 0; i < 8; ++i)
            if (is_bad_value_char(p[i]))
                return true;
    }
    for (; n != 0; ++p, --n)
        if (is_bad_value_char(*p))
            return true;
    return false;
}

constexpr bool is_token(std::string_view s) {
    if (s.empty())
        return false;
    for (char c : s)
        if (!tchar(c))
            return false;
    return true;
}

constexpr std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

constexpr int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Calls f(element) for each non-empty, OWS-trimmed element of a comma-separated list
// (RFC 9110 section 5.6.1: recipients ignore empty elements). Stops early when f returns false.
template <class F>
void for_each_list_element(std::string_view list, F&& f) {
    while (true) {
        std::size_t comma = list.find(',');
        std::string_view elem = trim_ows(list.substr(0, comma));
        if (!elem.empty() && !f(elem))
            return;
        if (comma == std::string_view::npos)
            return;
        list.remove_prefix(comma + 1);
    }
}

// Parses one field line (without its line end) into out: "name: OWS value OWS". Returns null
// on success or a short reason when the line must be rejected (RFC 9112 section 5).
const char* parse_field_line(std::string_view line, HeaderField& out);
// The same, giving the name and the value as views into line.
const char* split_field_line(std::string_view line, std::string_view& name,
                             std::string_view& value);

} // namespace quire::http::detail
