#include "xml_text.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace quire::dav {

namespace {

// XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
// [#x10000-#x10FFFF]; the WFC Legal Character holds it for character references too.
bool is_xml_char(char32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// The code point of the digits of a character reference, or nullopt when they are not digits
// in that base. Past U+10FFFF it stops counting (leading zeros are allowed, so the number of
// digits says nothing): 0x110000, which is no Char.
std::optional<char32_t> code_point(std::string_view digits, int base) {
    if (digits.empty()) {
        return std::nullopt;
    }
    char32_t value = 0;
    for (const char ch : digits) {
        int d;
        if (ch >= '0' && ch <= '9') {
            d = ch - '0';
        } else if (base == 16 && ch >= 'a' && ch <= 'f') {
            d = ch - 'a' + 10;
        } else if (base == 16 && ch >= 'A' && ch <= 'F') {
            d = ch - 'A' + 10;
        } else {
            return std::nullopt;
        }
        if (value <= 0x10FFFF) {
            value = value * static_cast<char32_t>(base) + static_cast<char32_t>(d);
        }
    }
    return value <= 0x10FFFF ? value : char32_t{0x110000};
}

// At most 40 bytes of a reference for a message, not cut inside a UTF-8 sequence.
// (appended piece by piece: g++ 12 -O3 warns wrongly, -Wrestrict, on chained + here)
std::string quoted(std::string_view ref) {
    std::string out = "&";
    if (ref.size() > 40) {
        std::size_t n = 40;
        while (n > 0 && (static_cast<unsigned char>(ref[n]) & 0xC0) == 0x80) {
            --n;
        }
        out += ref.substr(0, n);
        out += "...";
    } else {
        out += ref;
        out += ';';
    }
    return out;
}

std::string no_reference() {
    return "an '&' that starts no reference (write it as &amp;; XML 1.0 section 4.1)";
}

} // namespace

std::optional<IllegalXmlChar> illegal_xml_char(std::string_view utf8) {
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            return IllegalXmlChar{i, c};
        }
        // U+FFFE and U+FFFF are EF BF BE and EF BF BF; 0xEF only ever starts a sequence.
        if (c == 0xEF && i + 2 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) == 0xBF) {
            const auto last = static_cast<unsigned char>(utf8[i + 2]);
            if (last == 0xBE || last == 0xBF) {
                return IllegalXmlChar{i, last == 0xBE ? char32_t{0xFFFE} : char32_t{0xFFFF}};
            }
        }
    }
    return std::nullopt;
}

std::string describe(const IllegalXmlChar& c) {
    std::array<char, 16> code{};
    std::snprintf(code.data(), code.size(), "U+%04X", static_cast<unsigned>(c.code));
    std::string out = c.code < 0x20 ? "control character " : "";
    out += code.data();
    out += " at byte ";
    out += std::to_string(c.at);
    out += " is not a legal XML character (XML 1.0 section 2.2)";
    return out;
}

tl::expected<std::string, std::string> expand_references(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    std::size_t from = 0;
    for (auto amp = raw.find('&'); amp != std::string_view::npos; amp = raw.find('&', from)) {
        out.append(raw.substr(from, amp - from));
        const auto semi = raw.find(';', amp + 1);
        if (semi == std::string_view::npos) {
            return tl::unexpected(no_reference());
        }
        const auto ref = raw.substr(amp + 1, semi - amp - 1);
        from = semi + 1;
        if (ref.starts_with('#')) {
            const bool hex = ref.starts_with("#x");
            const auto c = code_point(ref.substr(hex ? 2 : 1), hex ? 16 : 10);
            if (!c) {
                return tl::unexpected(no_reference());
            }
            if (!is_xml_char(*c)) {
                std::string error = "character reference ";
                error += quoted(ref);
                error += *c < 0x20 ? " is a control character, not" : " is not";
                error += " a legal XML character (XML 1.0 section 2.2)";
                return tl::unexpected(std::move(error));
            }
            append_utf8(out, *c);
        } else if (ref == "lt") {
            out += '<';
        } else if (ref == "gt") {
            out += '>';
        } else if (ref == "amp") {
            out += '&';
        } else if (ref == "apos") {
            out += '\'';
        } else if (ref == "quot") {
            out += '"';
        } else if (!ref.empty() && ref.find_first_of(" \t\r\n&<>\"'") == std::string_view::npos) {
            std::string error = "undeclared entity ";
            error += quoted(ref);
            error += " (XML 1.0 section 4.1: with no DTD only lt, gt, amp, apos and quot are "
                     "declared)";
            return tl::unexpected(std::move(error));
        } else {
            return tl::unexpected(no_reference());
        }
    }
    out.append(raw.substr(from));
    return out;
}

} // namespace quire::dav
