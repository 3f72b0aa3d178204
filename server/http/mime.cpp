// File-extension to media type mapping.
#include "mime.hpp"

#include "syntax.hpp"

#include <cstdio>
#include <memory>

namespace quire::http {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = detail::to_lower(c);
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

} // namespace

MimeTypes::MimeTypes() {
    static constexpr std::pair<const char*, const char*> defaults[] = {
        {"html", "text/html"},
        {"htm", "text/html"},
        {"css", "text/css"},
        {"js", "application/javascript"},
        {"mjs", "application/javascript"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"txt", "text/plain"},
        {"md", "text/markdown"},
        {"csv", "text/csv"},
        {"ics", "text/calendar"},
        {"ifb", "text/calendar"},
        {"vcf", "text/vcard"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"ico", "image/vnd.microsoft.icon"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"pdf", "application/pdf"},
        {"wasm", "application/wasm"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
        {"tar", "application/x-tar"},
        {"mp3", "audio/mpeg"},
        {"ogg", "audio/ogg"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
    };
    by_ext_.reserve(std::size(defaults) * 2);
    for (const auto& [ext, type] : defaults)
        by_ext_.emplace(ext, type);
}

bool MimeTypes::load_file(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f)
        return false;
    std::string content;
    char buf[8192];
    std::size_t got = 0;
    while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0)
        content.append(buf, got);
    if (std::ferror(f.get()))
        return false;

    std::string_view rest = content;
    while (!rest.empty()) {
        std::size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        if (std::size_t hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        // Words separated by whitespace: the type, then its extensions.
        std::string_view type;
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && is_space(line[i]))
                ++i;
            std::size_t start = i;
            while (i < line.size() && !is_space(line[i]))
                ++i;
            if (start == i)
                break;
            std::string_view word = line.substr(start, i - start);
            if (type.empty()) {
                if (word.find('/') == std::string_view::npos)
                    break; // not a "type/subtype" line
                type = word;
            } else {
                by_ext_[lower(word)] = lower(type);
            }
        }
    }
    return true;
}

void MimeTypes::set(std::string ext, std::string type) {
    for (char& c : ext)
        c = detail::to_lower(c);
    by_ext_[std::move(ext)] = std::move(type);
}

std::string MimeTypes::lookup(std::string_view filename) const {
    std::size_t slash = filename.rfind('/');
    if (slash != std::string_view::npos)
        filename.remove_prefix(slash + 1);
    std::size_t dot = filename.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == filename.size())
        return "application/octet-stream";
    auto it = by_ext_.find(lower(filename.substr(dot + 1)));
    if (it == by_ext_.end())
        return "application/octet-stream";
    const std::string& type = it->second;
    if (type.find(';') == std::string::npos &&
        (type.starts_with("text/") || type == "application/javascript" ||
         type == "application/json" || type == "application/xml"))
        return type + "; charset=utf-8";
    return type;
}

} // namespace quire::http
