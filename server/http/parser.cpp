// The HTTP/1.1 request head parser (RFC 9112 sections 2-3, 5-6; RFC 9110 section 7.2).
#include "parser.hpp"

#include "syntax.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace quire::http {

namespace {

using detail::to_lower;

tl::unexpected<ParseError> fail(int status, const char* reason) {
    return tl::unexpected(ParseError{status, reason});
}

// Request-line length we tolerate beyond max_target for the method, version and separators
// before deciding, in find_head_end, that the target is too long.
constexpr std::size_t request_line_slack = 64;

// RFC 9112 section 3.2.1 / RFC 3986 section 3.2.2: bytes allowed in a request-target. We refuse
// controls, space, DEL, non-ASCII and '#' (a fragment is never sent, RFC 9112 section 3.2).
constexpr bool target_char_ok(char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '#';
}

// RFC 3986 section 3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ), by a table
// (every Host field goes through it).
inline constexpr std::array<bool, 256> reg_name_table =
    detail::alnum_and("-._~"        // unreserved
                      "!$&'()*+,;=" // sub-delims
                      "%");

constexpr bool reg_name_char(char c) {
    return reg_name_table[static_cast<unsigned char>(c)];
}

// Validates uri-host [ ":" port ] (RFC 9110 section 7.2) and stores the host lower-cased
// without the port in `out`; false when invalid (out untouched). An empty value is valid
// (RFC 9112 section 3.2).
bool parse_authority(std::string_view v, std::string& out) {
    std::string_view host;
    std::string_view rest;
    if (!v.empty() && v.front() == '[') {
        // IP-literal = "[" ( IPv6address / IPvFuture ) "]"; validated loosely by alphabet.
        std::size_t close = v.find(']');
        if (close == std::string_view::npos || close < 3)
            return false;
        std::string_view inner = v.substr(1, close - 1);
        bool future = inner.front() == 'v' || inner.front() == 'V';
        bool has_colon = false;
        for (char c : inner) {
            if (c == ':')
                has_colon = true;
            else if (detail::hex_value(c) < 0 && c != '.' &&
                     !(future && (reg_name_char(c) || c == 'v' || c == 'V')))
                return false;
        }
        if (!has_colon && !future)
            return false;
        host = v.substr(0, close + 1);
        rest = v.substr(close + 1);
    } else {
        std::size_t colon = v.find(':');
        host = v.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view() : v.substr(colon);
        for (std::size_t i = 0; i < host.size(); ++i) {
            if (!reg_name_char(host[i]))
                return false;
            if (host[i] == '%' && (i + 2 >= host.size() || detail::hex_value(host[i + 1]) < 0 ||
                                   detail::hex_value(host[i + 2]) < 0))
                return false;
        }
    }
    if (!rest.empty()) {
        // port = *DIGIT (RFC 3986 section 3.2.3); we also require it to fit in 16 bits.
        if (rest.front() != ':' || rest.size() > 6)
            return false;
        unsigned port = 0;
        for (char c : rest.substr(1)) {
            if (!detail::is_digit(c))
                return false;
            port = port * 10 + static_cast<unsigned>(c - '0');
        }
        if (port > 65535)
            return false;
    }
    out.assign(host);
    for (char& c : out)
        c = to_lower(c);
    return true;
}

// Splits "path[?query]" into the head's path and query.
void split_path_query(std::string_view pq, RequestHead& h) {
    std::size_t q = pq.find('?');
    if (q == std::string_view::npos) {
        h.path.assign(pq);
        h.query.clear();
    } else {
        h.path.assign(pq.substr(0, q));
        h.query.assign(pq.substr(q + 1));
    }
}

// RFC 9112 section 3: request-line = method SP request-target SP HTTP-version.
tl::expected<void, ParseError> parse_request_line(std::string_view line, const ParseLimits& limits,
                                                  RequestHead& h) {
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos)
        return fail(400, "malformed request line");
    std::string_view method = line.substr(0, sp1);
    if (!detail::is_token(method))
        return fail(400, "invalid method");
    std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos)
        return fail(400, "malformed request line");
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (target.empty())
        return fail(400, "empty request target");
    // RFC 9112 section 3: the request-target is followed by exactly one SP and the version.
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !detail::is_digit(version[5]) ||
        version[6] != '.' || !detail::is_digit(version[7]))
        return fail(400, "malformed HTTP version");
    if (target.size() > limits.max_target)
        return fail(414, "request target too long");
    if (version[5] != '1')
        return fail(505, "HTTP version not supported");
    // RFC 9110 section 2.5: a higher minor version of HTTP/1 is handled as HTTP/1.1.
    h.version_minor = version[7] == '0' ? 0 : 1;
    h.method.assign(method);
    for (char c : target)
        if (!target_char_ok(c))
            return fail(400, "invalid character in request target");
    h.target.assign(target);
    if (method == "CONNECT") {
        // RFC 9112 section 3.2.3: authority-form, host and port. The tunnel is refused (501)
        // once the rest of the head is known to be well-formed: a missing Host is 400 first.
        std::string host;
        if (target.find(':') == std::string_view::npos || !parse_authority(target, host))
            return fail(400, "CONNECT needs host:port as its target");
        h.form = TargetForm::authority;
        return {};
    }

    if (target.front() == '/') {
        h.form = TargetForm::origin; // RFC 9112 section 3.2.1
        split_path_query(target, h);
    } else if (target == "*") {
        // RFC 9112 section 3.2.4: asterisk-form is only used for a server-wide OPTIONS.
        if (method != "OPTIONS")
            return fail(400, "asterisk-form only allowed for OPTIONS");
        h.form = TargetForm::asterisk;
        h.path = "*";
        h.query.clear();
    } else if (starts_with_icase(target, "http://") || starts_with_icase(target, "https://")) {
        // RFC 9112 section 3.2.2: absolute-form; the host comes from the target.
        h.form = TargetForm::absolute;
        std::string_view rest = target.substr(target.find(':') + 3);
        std::size_t end = rest.find_first_of("/?");
        std::string_view authority = rest.substr(0, end);
        // RFC 9110 section 4.2.4: userinfo is deprecated and must be treated as an error.
        if (authority.find('@') != std::string_view::npos)
            return fail(400, "userinfo in request target");
        // RFC 9110 section 4.2.1: an http(s) URI with an empty host is invalid.
        if (!parse_authority(authority, h.host) || h.host.empty())
            return fail(400, "invalid authority in request target");
        std::string_view pq = end == std::string_view::npos ? std::string_view() : rest.substr(end);
        if (pq.empty() || pq.front() == '?') {
            h.path = "/";
            h.query.assign(pq.empty() ? pq : pq.substr(1));
        } else {
            split_path_query(pq, h);
        }
    } else {
        // authority-form is only for CONNECT (RFC 9112 section 3.2.3); anything else is bad.
        return fail(400, "invalid request target form");
    }
    return {};
}

// Next line of the head, without its line end (LF or CRLF). Advances pos past the line end.
// The head is complete (it ends with an empty line), so an LF always follows.
std::string_view next_line(std::string_view head, std::size_t& pos) {
    std::size_t lf = head.find('\n', pos);
    if (lf == std::string_view::npos)
        lf = head.size();
    std::string_view line = head.substr(pos, lf - pos);
    pos = lf + 1;
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return line;
}

// RFC 9112 section 6.1: Transfer-Encoding. Only "chunked" alone is supported.
tl::expected<void, ParseError> check_transfer_encoding(const Headers& headers) {
    std::string_view last;
    std::size_t n = 0;
    for (const auto& f : headers.fields()) {
        if (!iequals(f.name, "Transfer-Encoding"))
            continue;
        detail::for_each_list_element(f.value, [&](std::string_view e) {
            last = e;
            ++n;
            return true;
        });
    }
    // RFC 9112 section 6.3 item 4: chunked must be the final coding, else the length of the
    // request body cannot be determined and the server responds with 400.
    if (n == 0 || !iequals(last, "chunked"))
        return fail(400, "Transfer-Encoding must end with chunked");
    if (n > 1) {
        // Applying chunked more than once is forbidden (RFC 9112 section 6.1); other codings
        // before chunked are ones we do not implement (RFC 9112 section 6.1: 501).
        bool chunked_twice = false;
        std::size_t i = 0;
        for (const auto& f : headers.fields()) {
            if (!iequals(f.name, "Transfer-Encoding"))
                continue;
            detail::for_each_list_element(f.value, [&](std::string_view e) {
                if (++i < n && iequals(e, "chunked"))
                    chunked_twice = true;
                return true;
            });
        }
        if (chunked_twice)
            return fail(400, "chunked applied more than once");
        return fail(501, "transfer coding not implemented");
    }
    return {};
}

// RFC 9110 section 8.6 / RFC 9112 section 6.3 item 5: Content-Length = 1*DIGIT; a list of
// identical values may be collapsed, differing values are an error.
tl::expected<std::optional<std::uint64_t>, ParseError>
parse_content_length(const Headers& headers) {
    std::optional<std::uint64_t> length;
    bool bad = false;
    for (const auto& f : headers.fields()) {
        if (!iequals(f.name, "Content-Length"))
            continue;
        std::string_view v = f.value;
        bool any = false;
        while (true) {
            std::size_t comma = v.find(',');
            std::string_view elem = detail::trim_ows(v.substr(0, comma));
            std::uint64_t n = 0;
            if (elem.empty())
                return fail(400, "invalid Content-Length");
            for (char c : elem)
                if (!detail::is_digit(c))
                    return fail(400, "invalid Content-Length");
            auto [ptr, ec] = std::from_chars(elem.data(), elem.data() + elem.size(), n);
            if (ec != std::errc() || ptr != elem.data() + elem.size())
                return fail(400, "invalid Content-Length");
            if (length && *length != n)
                bad = true;
            length = n;
            any = true;
            if (comma == std::string_view::npos)
                break;
            v.remove_prefix(comma + 1);
        }
        if (!any)
            return fail(400, "invalid Content-Length");
    }
    if (bad)
        return fail(400, "conflicting Content-Length values");
    return length;
}

} // namespace

bool is_tchar(char c) {
    return detail::tchar(c);
}

tl::expected<std::optional<std::size_t>, ParseError> find_head_end(std::string_view buf,
                                                                   const ParseLimits& limits) {
    const std::size_t n = buf.size();
    std::size_t i = 0;
    // RFC 9112 section 2.2: ignore at least one empty line (CRLF) before the request-line.
    while (i < n) {
        if (buf[i] == '\n')
            ++i;
        else if (buf[i] == '\r' && i + 1 < n && buf[i + 1] == '\n')
            i += 2;
        else
            break;
    }
    const std::size_t line_start = i;
    const char* p =
        i < n ? static_cast<const char*>(std::memchr(buf.data() + i, '\n', n - i)) : nullptr;
    if (p == nullptr) {
        if (n - line_start > limits.max_target + request_line_slack)
            return fail(414, "request line too long");
        if (n > limits.max_head)
            return fail(431, "request header section too large");
        return std::optional<std::size_t>();
    }
    i = static_cast<std::size_t>(p - buf.data());
    // i is at the LF ending a line; the head ends at an LF followed by an empty line.
    while (true) {
        if (i + 1 < n && buf[i + 1] == '\n') {
            i += 2;
            break;
        }
        if (i + 2 < n && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
            i += 3;
            break;
        }
        p = i + 1 < n ? static_cast<const char*>(std::memchr(buf.data() + i + 1, '\n', n - i - 1))
                      : nullptr;
        if (p == nullptr) {
            if (n > limits.max_head)
                return fail(431, "request header section too large");
            return std::optional<std::size_t>();
        }
        i = static_cast<std::size_t>(p - buf.data());
    }
    if (i > limits.max_head)
        return fail(431, "request header section too large");
    return std::optional<std::size_t>(i);
}

tl::expected<RequestHead, ParseError> parse_head(std::string_view head, const ParseLimits& limits) {
    RequestHead h;
    if (auto ok = parse_head_into(head, limits, h); !ok)
        return tl::unexpected(std::move(ok.error()));
    return h;
}

tl::expected<void, ParseError> parse_head_into(std::string_view head, const ParseLimits& limits,
                                               RequestHead& h) {
    if (head.size() > limits.max_head)
        return fail(431, "request header section too large");
    // Every member as a new RequestHead has it, but the strings and the field vector keep
    // their storage for the next request.
    h.method.clear();
    h.target.clear();
    h.form = TargetForm::origin;
    h.path.clear();
    h.query.clear();
    h.version_minor = 1;
    h.headers.clear();
    h.host.clear();
    h.framing = BodyFraming::none;
    h.content_length = 0;
    h.keep_alive = true;
    h.expect_continue = false;
    h.may_have = ~0u;
    // RFC 9112 section 2.2: a bare CR (one not ending a line) is invalid. next_line strips the
    // CR of a CRLF; any other CR fails the character checks of the request line and fields.
    std::size_t pos = 0;
    std::string_view line;
    do {
        if (pos >= head.size())
            return fail(400, "missing request line");
        line = next_line(head, pos);
    } while (line.empty());
    if (auto r = parse_request_line(line, limits, h); !r)
        return tl::unexpected(std::move(r.error()));

    // Fields the framing and connection rules need; noted in the one pass over the fields so
    // that the common request with none of them costs no further lookups.
    enum : unsigned { seen_te = 1, seen_cl = 2, seen_connection = 4, seen_expect = 8 };
    unsigned seen = 0;
    unsigned filter_fields = 0; // RequestHead::may_have
    std::size_t host_count = 0;
    std::string_view host_value;
    while (pos < head.size()) {
        line = next_line(head, pos);
        if (line.empty())
            break;
        if (h.headers.fields().size() >= limits.max_fields)
            return fail(431, "too many header fields");
        std::string_view name;
        std::string_view value;
        if (const char* err = detail::split_field_line(line, name, value))
            return fail(400, err);
        if (name.size() > 3 && (name[0] | 0x20) == 'i' && (name[1] | 0x20) == 'f' && name[2] == '-')
            filter_fields |= RequestHead::conditional_fields;
        switch (name.size()) {
        case 5:
            if (iequals(name, "Range"))
                filter_fields |= RequestHead::range_field;
            break;
        case 4:
            if (iequals(name, "Host")) {
                ++host_count;
                host_value = value;
            }
            break;
        case 6:
            if (iequals(name, "Expect"))
                seen |= seen_expect;
            break;
        case 10:
            if (iequals(name, "Connection"))
                seen |= seen_connection;
            break;
        case 14:
            if (iequals(name, "Content-Length"))
                seen |= seen_cl;
            break;
        case 17:
            if (iequals(name, "Transfer-Encoding"))
                seen |= seen_te;
            break;
        default:
            break;
        }
        h.headers.add_copy(name, value);
    }
    h.may_have = filter_fields;

    // RFC 9112 section 3.2: 400 for a missing Host in HTTP/1.1, for more than one Host, and for
    // a Host with an invalid value. For absolute-form the target's authority wins.
    if (host_count > 1 || (host_count == 0 && h.version_minor == 1))
        return fail(400, host_count ? "repeated Host" : "missing Host");
    if (host_count == 1) {
        // For absolute-form h.host holds the target's authority already: the field is only
        // checked (into a scratch string, allocation-free for a short host).
        std::string scratch;
        if (!parse_authority(host_value, h.form == TargetForm::absolute ? scratch : h.host))
            return fail(400, "invalid Host");
    }

    // RFC 9112 section 6: message body framing.
    const bool has_te = seen & seen_te;
    const bool has_cl = seen & seen_cl;
    if (has_te) {
        // RFC 9112 section 6.1: TE in HTTP/1.0 indicates a faulty framing; treat as an error.
        if (h.version_minor == 0)
            return fail(400, "Transfer-Encoding in HTTP/1.0");
        // RFC 9112 section 6.1: a server MAY reject a request with both (smuggling); we do.
        if (has_cl)
            return fail(400, "both Transfer-Encoding and Content-Length");
        if (auto r = check_transfer_encoding(h.headers); !r)
            return tl::unexpected(std::move(r.error()));
        h.framing = BodyFraming::chunked;
    } else if (has_cl) {
        auto cl = parse_content_length(h.headers);
        if (!cl)
            return tl::unexpected(std::move(cl.error()));
        if (**cl > limits.max_body)
            return fail(413, "request body too large");
        h.framing = BodyFraming::content_length;
        h.content_length = **cl;
    }

    // RFC 9110 section 9.3.6: we do not act as a tunnel.
    if (h.form == TargetForm::authority)
        return fail(501, "CONNECT not supported");

    // RFC 9112 section 9.3: persistence.
    if (!(seen & seen_connection))
        h.keep_alive = h.version_minor == 1;
    else if (h.version_minor == 1)
        h.keep_alive = !h.headers.has_token("Connection", "close");
    else
        h.keep_alive = h.headers.has_token("Connection", "keep-alive") &&
                       !h.headers.has_token("Connection", "close");

    // RFC 9110 section 10.1.1: only 100-continue is defined; others get 417. A server MUST
    // ignore a 100-continue expectation in an HTTP/1.0 request.
    if (!(seen & seen_expect))
        return {};
    if (auto expect = h.headers.get_combined("Expect")) {
        // A list (RFC 9110 section 10.1.1): empty members are no expectation, 100-continue
        // may come more than once; any other member is one we cannot meet.
        std::string_view rest = *expect;
        bool continue_asked = false;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            const std::string_view member = detail::trim_ows(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            if (member.empty())
                continue;
            if (!iequals(member, "100-continue"))
                return fail(417, "unsupported expectation");
            continue_asked = true;
        }
        h.expect_continue = continue_asked && h.version_minor == 1;
    }
    return {};
}

} // namespace quire::http
