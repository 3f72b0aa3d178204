// The chunked transfer coding decoder (RFC 9112 section 7.1).
#include "chunked.hpp"

#include "syntax.hpp"

#include <cstring>
#include <limits>

namespace quire::http {

namespace {

enum Phase : int { size_line = 0, data, data_cr, data_lf, trailer_line };

bool skip_bws(std::string_view s, std::size_t& i) {
    while (i < s.size() && detail::is_ows(s[i]))
        ++i;
    return i < s.size();
}

std::size_t skip_token(std::string_view s, std::size_t i) {
    while (i < s.size() && detail::tchar(s[i]))
        ++i;
    return i;
}

// RFC 9112 section 7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// with chunk-ext-val = token / quoted-string. We ignore extensions but insist on that shape, so
// that no CTL or stray byte can hide in the size line.
bool valid_extensions(std::string_view s) {
    std::size_t i = 0;
    while (skip_bws(s, i)) {
        if (s[i] != ';')
            return false;
        ++i;
        skip_bws(s, i);
        std::size_t end = skip_token(s, i);
        if (end == i)
            return false;
        i = end;
        std::size_t save = i;
        if (!skip_bws(s, i) || s[i] != '=') {
            i = save;
            continue;
        }
        ++i;
        if (!skip_bws(s, i))
            return false;
        if (s[i] == '"') {
            // quoted-string (RFC 9110 section 5.6.4)
            ++i;
            for (;; ++i) {
                if (i >= s.size())
                    return false;
                char c = s[i];
                if (c == '"')
                    break;
                if (c == '\\') {
                    if (++i >= s.size() || detail::is_bad_value_char(s[i]))
                        return false;
                } else if (detail::is_bad_value_char(c)) {
                    return false;
                }
            }
            ++i;
        } else {
            end = skip_token(s, i);
            if (end == i)
                return false;
            i = end;
        }
    }
    return true;
}

} // namespace

std::size_t ChunkedDecoder::feed(std::string_view in, std::string& out) {
    auto fail = [this](int status, const char* reason) {
        state_ = State::error;
        error_status_ = status;
        error_reason_ = reason;
    };
    // Reads up to and including the next LF into line_; true when a whole line is in line_
    // (without the LF). The chunked coding's lines end in CRLF (RFC 9112 section 7.1); unlike
    // the head we do not accept a bare LF here, because lenient chunk parsing is a request
    // smuggling vector when a proxy in front reads it differently.
    std::size_t i = 0;
    auto read_line = [&](std::size_t limit) -> bool {
        const char* p = static_cast<const char*>(std::memchr(in.data() + i, '\n', in.size() - i));
        std::size_t end = p ? static_cast<std::size_t>(p - in.data()) : in.size();
        if (line_.size() + (end - i) > limit) {
            fail(400, "chunked line too long");
            return false;
        }
        line_.append(in.data() + i, end - i);
        i = p ? end + 1 : end;
        if (!p)
            return false;
        if (line_.empty() || line_.back() != '\r') {
            fail(400, "chunked line not ended by CRLF");
            return false;
        }
        line_.pop_back();
        return true;
    };

    while (i < in.size() && state_ == State::in_progress) {
        switch (phase_) {
        case size_line: {
            if (!read_line(limits_.max_line))
                break;
            std::string_view line = line_;
            std::uint64_t size = 0;
            std::size_t digits = 0;
            for (; digits < line.size(); ++digits) {
                int v = detail::hex_value(line[digits]);
                if (v < 0)
                    break;
                if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
                    fail(400, "chunk size overflow");
                    return i;
                }
                size = (size << 4) | static_cast<std::uint64_t>(v);
            }
            if (digits == 0 || !valid_extensions(line.substr(digits))) {
                fail(400, "invalid chunk size line");
                return i;
            }
            line_.clear();
            if (size == 0) {
                phase_ = trailer_line;
            } else if (size > limits_.max_body - total_) {
                fail(413, "request body too large");
                return i;
            } else {
                remaining_ = size;
                phase_ = data;
            }
            break;
        }
        case data: {
            std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - i));
            out.append(in.data() + i, take);
            i += take;
            remaining_ -= take;
            total_ += take;
            if (remaining_ == 0)
                phase_ = data_cr;
            break;
        }
        case data_cr:
        case data_lf:
            // RFC 9112 section 7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
            if (in[i] != (phase_ == data_cr ? '\r' : '\n')) {
                fail(400, "chunk data not followed by CRLF");
                return i;
            }
            ++i;
            phase_ = phase_ == data_cr ? data_lf : size_line;
            break;
        case trailer_line: {
            std::size_t before = i;
            bool whole = read_line(limits_.max_line);
            trailer_bytes_ += i - before;
            if (state_ == State::error)
                return i;
            if (trailer_bytes_ > limits_.max_trailers) {
                fail(400, "trailer section too large");
                return i;
            }
            if (!whole)
                break;
            if (line_.empty()) {
                state_ = State::done; // RFC 9112 section 7.1.2: the empty line ends the trailers
                return i;
            }
            // RFC 9112 section 7.1.2: trailer fields use the header field syntax.
            HeaderField f;
            if (const char* err = detail::parse_field_line(line_, f)) {
                fail(400, err);
                return i;
            }
            trailers_.add(std::move(f.name), std::move(f.value));
            line_.clear();
            break;
        }
        default:
            break;
        }
    }
    return i;
}

} // namespace quire::http
