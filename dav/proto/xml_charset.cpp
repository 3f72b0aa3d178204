#include "xml_charset.hpp"

#include "http/headers.hpp"

#include <iconv.h>

#include <cerrno>
#include <optional>

namespace quire::dav {

namespace {

// An iconv conversion descriptor, closed when it goes.
class Iconv {
public:
    Iconv(const char* to, const char* from) : cd_(::iconv_open(to, from)) {}
    ~Iconv() {
        if (ok())
            ::iconv_close(cd_);
    }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;
    bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    iconv_t get() const { return cd_; }

private:
    iconv_t cd_;
};

bool is_utf8_name(std::string_view name) {
    return http::iequals(name, "utf-8") || http::iequals(name, "utf8") ||
           http::iequals(name, "us-ascii") || http::iequals(name, "ascii");
}

// The value of parameter `name` in a media type ("application/xml; charset=UTF-16").
std::optional<std::string> parameter(std::string_view media_type, std::string_view name) {
    std::size_t semi = media_type.find(';');
    while (semi != std::string_view::npos) {
        std::string_view rest = media_type.substr(semi + 1);
        const std::size_t next = rest.find(';');
        std::string_view param = rest.substr(0, next);
        semi = next == std::string_view::npos ? next : semi + 1 + next;
        while (!param.empty() && (param.front() == ' ' || param.front() == '\t'))
            param.remove_prefix(1);
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos || !http::iequals(param.substr(0, eq), name))
            continue;
        std::string_view value = param.substr(eq + 1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        return std::string(value);
    }
    return std::nullopt;
}

// encoding="..." in an XML declaration at the start of an ASCII-compatible body.
std::optional<std::string> declared_encoding(std::string_view body) {
    if (!body.starts_with("<?xml"))
        return std::nullopt;
    const std::string_view decl = body.substr(0, body.find("?>"));
    const std::size_t at = decl.find("encoding");
    if (at == std::string_view::npos)
        return std::nullopt;
    std::size_t i = at + 8;
    while (i < decl.size() && (decl[i] == ' ' || decl[i] == '\t' || decl[i] == '\r' ||
                               decl[i] == '\n' || decl[i] == '='))
        ++i;
    if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\''))
        return std::nullopt;
    const char quote = decl[i];
    const std::size_t end = decl.find(quote, i + 1);
    if (end == std::string_view::npos)
        return std::nullopt;
    return std::string(decl.substr(i + 1, end - i - 1));
}

// The encoding the body is in (XML 1.0 appendix F), or nullopt for UTF-8.
std::optional<std::string> encoding_of(std::string_view body, std::string_view content_type) {
    if (auto charset = parameter(content_type, "charset"))
        return *charset;
    auto starts = [&](std::string_view bytes) { return body.starts_with(bytes); };
    using namespace std::string_view_literals;
    if (starts("\xEF\xBB\xBF"sv))
        return std::nullopt;
    if (starts("\xFE\xFF"sv) || starts("\xFF\xFE"sv))
        return std::string("UTF-16"); // iconv reads the mark
    if (starts("\0<\0?"sv))
        return std::string("UTF-16BE");
    if (starts("<\0?\0"sv))
        return std::string("UTF-16LE");
    auto declared = declared_encoding(body);
    // A declaration read as ASCII cannot be right in naming UTF-16 or UTF-32 (their bytes
    // would not spell it so): the body is read as UTF-8, as it evidently is.
    if (declared &&
        (http::starts_with_icase(*declared, "utf-16") ||
         http::starts_with_icase(*declared, "utf-32") || http::starts_with_icase(*declared, "ucs")))
        return std::nullopt;
    return declared;
}

} // namespace

tl::expected<std::string, std::string> xml_body_as_utf8(std::string body,
                                                        std::string_view content_type) {
    const auto encoding = encoding_of(body, content_type);
    if (!encoding || is_utf8_name(*encoding))
        return body;
    Iconv cd("UTF-8", encoding->c_str());
    if (!cd.ok())
        return tl::unexpected("the body's encoding " + *encoding + " is not one this server reads");
    std::string out(body.size() * 2 + 16, '\0');
    char* in = body.data();
    std::size_t in_left = body.size();
    std::size_t done = 0;
    while (in_left > 0) {
        char* to = out.data() + done;
        std::size_t to_left = out.size() - done;
        const std::size_t r = ::iconv(cd.get(), &in, &in_left, &to, &to_left);
        done = out.size() - to_left;
        if (r != static_cast<std::size_t>(-1))
            continue;
        if (errno == E2BIG) {
            out.resize(out.size() * 2);
            continue;
        }
        return tl::unexpected("the body is not valid " + *encoding + " at byte " +
                              std::to_string(body.size() - in_left));
    }
    out.resize(done);
    // A byte order mark iconv kept (UTF-16 with a mark gives none; an explicit charset may).
    if (out.starts_with("\xEF\xBB\xBF"))
        out.erase(0, 3);
    return out;
}

} // namespace quire::dav
