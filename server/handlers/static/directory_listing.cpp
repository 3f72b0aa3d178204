#include "directory_listing.hpp"

#include "http/utf8.hpp"

#include "core/unique_fd.hpp"
#include "http/date.hpp"
#include "http/path.hpp"
#include "storage/fs/beneath.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <vector>

namespace quire::handlers {

namespace {

struct Entry {
    std::string name;
    bool dir = false;
    std::uint64_t size = 0;
    std::time_t mtime = 0;
};

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

std::string human_size(std::uint64_t n) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

// The page is UTF-8: a name whose bytes are not (written by a program in another encoding)
// is shown with U+FFFD for each byte that is not part of a character; its link keeps the
// bytes (percent-encoded).
std::string displayable(std::string_view name) {
    if (http::valid_utf8(name)) {
        return std::string(name);
    }
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        std::size_t len = 1;
        while (len <= 4 && !(i + len <= name.size() && http::valid_utf8(name.substr(i, len)))) {
            ++len;
        }
        if (len > 4) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out += name.substr(i, len);
            i += len;
        }
    }
    return out;
}

} // namespace

tl::expected<std::string, std::string> render_directory_listing(int dir_fd,
                                                                std::string_view url_path,
                                                                const std::string& root_real,
                                                                bool follow_symlinks) {
    int dup_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup_fd < 0) {
        return tl::unexpected(std::string(std::strerror(errno)));
    }
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(dup_fd));
    if (!dir) {
        ::close(dup_fd);
        return tl::unexpected(std::string(std::strerror(errno)));
    }
    std::vector<Entry> entries;
    while (dirent* d = ::readdir(dir.get())) {
        std::string_view name = d->d_name;
        if (name == "." || name == ".." || name == ".quire") {
            continue;
        }
        struct stat st {};
        if (::fstatat(dir_fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            continue; // removed meanwhile
        }
        if (S_ISLNK(st.st_mode)) {
            // Looked at where it leads, beneath the root unless links may leave it.
            core::UniqueFd target(
                storage::fs::open_beneath(dir_fd, d->d_name, O_PATH, !follow_symlinks, root_real));
            if (!target || ::fstat(target.get(), &st) != 0) {
                continue; // dangling, or leading out of the root
            }
        }
        entries.push_back({std::string(name), S_ISDIR(st.st_mode),
                           static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec});
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.dir != b.dir ? a.dir : a.name < b.name;
    });
    const std::string title = "Index of " + http::html_escape(url_path);
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                       "</title>\n<style>body{font-family:sans-serif}td{padding:0 1em}"
                       "td.s{text-align:right}</style></head>\n<body><h1>" +
                       title +
                       "</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n";
    if (url_path != "/") {
        html += "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
    }
    for (const auto& e : entries) {
        std::string href = http::encode_path(e.name);
        std::string shown = http::html_escape(displayable(e.name));
        if (e.dir) {
            href += '/';
            shown += '/';
        }
        // "./" keeps a name with a colon from being read as a URL scheme.
        html += "<tr><td><a href=\"./" + http::html_escape(href) + "\">" + shown +
                "</a></td><td class=\"s\">" + (e.dir ? std::string("-") : human_size(e.size)) +
                "</td><td>" + http::format_http_date(e.mtime) + "</td></tr>\n";
    }
    html += "</table>\n</body></html>\n";
    return html;
}

} // namespace quire::handlers
