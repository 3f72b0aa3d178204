// Request path decoding and normalisation (RFC 3986 sections 2.1, 5.2.4).
#include "path.hpp"

#include "syntax.hpp"
#include "utf8.hpp"

namespace quire::http {

namespace {

tl::unexpected<PathError> fail(const char* reason) {
    return tl::unexpected(PathError{400, reason});
}

// True when `raw` (starting with '/') is its own normal form: printable ASCII without '%'
// and '\\' (nothing to decode, valid UTF-8), and no empty, "." or ".." segment but for a
// trailing slash, which normalisation keeps. Most request paths are; they skip the two passes.
bool already_normal(std::string_view raw) {
    const std::size_t n = raw.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char c = raw[i];
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '%' || c == '\\')
            return false;
        if (c != '/' || i + 1 == n)
            continue;
        const char next = raw[i + 1];
        if (next == '/')
            return false; // an empty segment
        if (next == '.') {
            std::size_t after = i + 2; // just past ".": end, '/', or a second '.'
            if (after < n && raw[after] == '.')
                ++after;
            if (after == n || raw[after] == '/')
                return false; // "." or ".."
        }
    }
    return true;
}

} // namespace

tl::expected<std::string, PathError> normalize_path(std::string_view raw) {
    if (raw.empty() || raw.front() != '/')
        return fail("path does not start with /");
    if (already_normal(raw))
        return std::string(raw);
    std::string decoded;
    decoded.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            int h = i + 2 < raw.size() ? detail::hex_value(raw[i + 1]) : -1;
            int l = h >= 0 ? detail::hex_value(raw[i + 2]) : -1;
            if (l < 0)
                return fail("bad percent escape");
            c = static_cast<char>(h * 16 + l);
            i += 2;
            // An encoded '/' would let one segment pose as two once decoded.
            if (c == '/')
                return fail("encoded slash");
        }
        auto u = static_cast<unsigned char>(c);
        if (u == 0)
            return fail("NUL in path");
        if (u < 0x20 || u == 0x7f)
            return fail("control character in path");
        // A backslash is a separator on some file systems and in some clients.
        if (c == '\\')
            return fail("backslash in path");
        decoded.push_back(c);
    }
    if (!valid_utf8(decoded))
        return fail("invalid UTF-8 in path");

    // RFC 3986 section 5.2.4 remove_dot_segments, except that climbing above the root is an
    // error rather than silently clamped; empty segments collapse.
    std::string out;
    out.reserve(decoded.size());
    bool trailing = false;
    std::string_view rest = std::string_view(decoded).substr(1);
    while (true) {
        std::size_t slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        bool last = slash == std::string_view::npos;
        if (seg == "..") {
            if (out.empty())
                return fail("path climbs above root");
            out.resize(out.rfind('/'));
            trailing = true;
        } else if (seg.empty() || seg == ".") {
            trailing = true;
        } else {
            out += '/';
            out += seg;
            trailing = false;
        }
        if (last)
            break;
        rest.remove_prefix(slash + 1);
    }
    if (out.empty() || trailing)
        out += '/';
    return out;
}

std::string encode_path(std::string_view decoded) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(decoded.size());
    for (char c : decoded) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || detail::is_digit(c);
        switch (c) {
        case '/':
        case '-':
        case '.':
        case '_':
        case '~': // unreserved
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*': // sub-delims
        case '+':
        case ',':
        case ';':
        case '=':
            keep = true;
            break;
        default:
            break;
        }
        if (keep) {
            out += c;
        } else {
            auto u = static_cast<unsigned char>(c);
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace quire::http
