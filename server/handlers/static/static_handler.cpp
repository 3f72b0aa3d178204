#include "static_handler.hpp"

#include "core/exchange.hpp"
#include "core/methods.hpp"
#include "directory_listing.hpp"
#include "http/date.hpp"
#include "http/path.hpp"
#include "storage/fs/beneath.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace quire::handlers {

namespace {

constexpr std::string_view allowed_methods = "GET, HEAD, OPTIONS";

bool has_hidden_segment(std::string_view rel) {
    // The DAV fs backend keeps its metadata in ".quire"; it is never served.
    std::size_t pos = 0;
    while (pos <= rel.size()) {
        std::size_t end = rel.find('/', pos);
        if (end == std::string_view::npos) {
            end = rel.size();
        }
        if (rel.substr(pos, end - pos) == ".quire") {
            return true;
        }
        pos = end + 1;
    }
    return false;
}

// The q-value the client gives a content coding in Accept-Encoding (RFC 9110 section
// 12.5.3); 0 when it is absent or refused.
double accepted_quality(const http::Headers& headers, std::string_view coding) {
    auto field = headers.get_combined("Accept-Encoding");
    if (!field) {
        return 0;
    }
    std::string_view list = *field;
    double star = 0;
    double found = -1;
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        std::string_view name = item.substr(0, item.find(';'));
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
            name.remove_suffix(1);
        }
        double q = 1;
        // weight = OWS ";" OWS "q=" qvalue (RFC 9110 section 12.4.2); "q" in any case, and
        // only as a parameter of its own ("xq=1" is not one).
        const std::size_t semi = item.find(';');
        std::string_view params =
            semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
        while (!params.empty()) {
            const std::size_t next = params.find(';');
            std::string_view param = params.substr(0, next);
            params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
            while (!param.empty() && (param.front() == ' ' || param.front() == '\t')) {
                param.remove_prefix(1);
            }
            if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
                q = std::strtod(std::string(param.substr(2)).c_str(), nullptr);
            }
        }
        // RFC 9110 section 8.4.1.3: "x-gzip" is "gzip".
        if (http::iequals(name, coding) || (coding == "gzip" && http::iequals(name, "x-gzip"))) {
            found = std::max(found, q);
        } else if (name == "*") {
            star = q;
        }
    }
    return found >= 0 ? found : star;
}

std::int64_t nanoseconds(const struct timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// A cached file served from its descriptor is still what its entry says: the same size and
// times. Written in place (rsync --inplace, a log appended to, a copy over it), its bytes
// would go out under the old ETag and length (a resumed download splicing two versions, a
// body shorter than its Content-Length), so it is looked at again (RFC 9110 8.8.3).
bool unchanged(const FileEntry& entry) {
    struct stat st {};
    return ::fstat(entry.fd->get(), &st) == 0 &&
           static_cast<std::uint64_t>(st.st_size) == entry.size &&
           nanoseconds(st.st_mtim) == entry.mtime_ns && nanoseconds(st.st_ctim) == entry.ctime_ns;
}

std::string make_etag(const struct stat& st, std::string_view variant) {
    char buf[96];
    const auto mtime_ns = static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ull +
                          static_cast<unsigned long long>(st.st_mtim.tv_nsec);
    int n = std::snprintf(buf, sizeof buf, "\"%llx-%llx-%llx",
                          static_cast<unsigned long long>(st.st_ino),
                          static_cast<unsigned long long>(st.st_size), mtime_ns);
    std::string etag(buf, static_cast<std::size_t>(n));
    if (!variant.empty()) {
        etag += '-';
        etag += variant;
    }
    etag += '"';
    return etag;
}

int status_for_errno(int e) {
    switch (e) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
        return 404;
    case EACCES:
    case EPERM:
    case ELOOP:
    case EXDEV: // RESOLVE_BENEATH refused a link that leaves the root
        return 403;
    default:
        return 500;
    }
}

} // namespace

tl::expected<std::shared_ptr<StaticHandler>, std::string>
StaticHandler::create(StaticOptions options) {
    std::shared_ptr<StaticHandler> h(new StaticHandler());
    int fd = ::open(options.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return tl::unexpected("cannot open the document root " + options.root + ": " +
                              std::strerror(errno));
    }
    h->root_.reset(fd);
    char real[PATH_MAX];
    if (!::realpath(options.root.c_str(), real)) {
        return tl::unexpected("cannot resolve the document root " + options.root + ": " +
                              std::strerror(errno));
    }
    h->root_real_ = real;
    h->mime_.load_file(options.mime_file); // absent: the built-in defaults stay
    for (const auto& [ext, type] : options.mime) {
        h->mime_.set(ext, type);
    }
    h->options_ = std::move(options);
    return h;
}

core::UniqueFd StaticHandler::open_beneath(int dir_fd, const std::string& relative,
                                           int& error) const {
    // O_NONBLOCK: a FIFO must not block us.
    core::UniqueFd fd(storage::fs::open_beneath(dir_fd, relative.empty() ? "." : relative.c_str(),
                                                O_RDONLY | O_NOCTTY | O_NONBLOCK,
                                                !options_.follow_symlinks, root_real_));
    error = fd ? 0 : errno;
    return fd;
}

bool StaticHandler::try_precompressed(core::Exchange& ex, const std::string& relative,
                                      std::string_view& encoding, core::UniqueFd& fd,
                                      struct stat& st) {
    struct Candidate {
        std::string_view coding;
        std::string_view suffix;
        double quality;
    };
    Candidate candidates[] = {{"br", ".br", accepted_quality(ex.request().headers, "br")},
                              {"gzip", ".gz", accepted_quality(ex.request().headers, "gzip")}};
    // The client's preference first (RFC 9110 section 12.4.2); on a tie, br (smaller).
    if (candidates[1].quality > candidates[0].quality) {
        std::swap(candidates[0], candidates[1]);
    }
    for (const auto& [coding, suffix, quality] : candidates) {
        if (quality <= 0) {
            continue;
        }
        int err = 0;
        auto candidate = open_beneath(root_.get(), relative + std::string(suffix), err);
        struct stat cst {};
        if (candidate && ::fstat(candidate.get(), &cst) == 0 && S_ISREG(cst.st_mode)) {
            fd = std::move(candidate);
            st = cst;
            encoding = coding;
            return true;
        }
    }
    return false;
}

void StaticHandler::respond(core::Exchange& ex, const FileEntry& file,
                            std::string_view encoding) const {
    auto& r = ex.response();
    r.status = 200;
    if (file.prepared && encoding.empty()) {
        r.prepared = file.prepared;
    } else {
        r.headers.add("Content-Type", file.content_type);
        r.validators = http::Validators{true, file.etag, file.mtime};
        r.last_modified_text = file.last_modified;
        r.accept_ranges = true;
    }
    if (!encoding.empty()) {
        r.headers.set("Content-Encoding", std::string(encoding));
    }
    if (!options_.cache_control.empty()) {
        r.headers.set("Cache-Control", options_.cache_control);
    }
    if (options_.expires) {
        r.headers.set("Expires", http::format_http_date(std::time(nullptr) + *options_.expires));
    }
    if (file.content) {
        r.body.append_shared(file.content);
    } else {
        r.body.append_file(file.fd, 0, file.size);
    }
}

void StaticHandler::serve_file(core::Exchange& ex, core::UniqueFd fd, const struct stat& st,
                               const std::string& relative) {
    FileEntry file;
    file.content_type = mime_.lookup(relative);
    struct stat chosen = st;
    std::string_view encoding;
    if (options_.precompressed) {
        ex.response().headers.set("Vary", "Accept-Encoding");
        try_precompressed(ex, relative, encoding, fd, chosen);
    }
    file.size = static_cast<std::uint64_t>(chosen.st_size);
    file.mtime = chosen.st_mtim.tv_sec;
    file.mtime_ns = nanoseconds(chosen.st_mtim);
    file.ctime_ns = nanoseconds(chosen.st_ctim);
    file.etag = make_etag(chosen, encoding);
    file.last_modified = http::format_http_date(file.mtime);
    file.fd = std::make_shared<const core::UniqueFd>(std::move(fd));
    const bool cacheable = options_.cache_ttl > 0 && !options_.precompressed;
    if (cacheable) {
        auto& cache = ex.worker_local<FileCache>(this);
        if (cache.room_for(file.size)) {
            std::string bytes(file.size, '\0');
            ssize_t n = ::pread(file.fd->get(), bytes.data(), bytes.size(), 0);
            if (n == static_cast<ssize_t>(file.size)) {
                file.content = std::make_shared<const std::string>(std::move(bytes));
            }
        }
        file.expires = std::chrono::steady_clock::now() + std::chrono::seconds(options_.cache_ttl);
        file.prepared =
            core::prepare_fields(file.content_type, file.etag, file.mtime, file.last_modified);
        cache.put(relative, file);
    }
    respond(ex, file, encoding);
}

asio::awaitable<core::Outcome> StaticHandler::handle(core::Exchange& ex) {
    auto& r = ex.response();
    const std::string& method = ex.method();
    if (method == "OPTIONS") {
        r.status = 200;
        r.headers.set("Allow", std::string(allowed_methods));
        co_return core::Outcome::done;
    }
    if (method != "GET" && method != "HEAD") {
        r.error(core::is_known_method(method) ? 405 : 501);
        r.headers.set("Allow", std::string(allowed_methods));
        co_return core::Outcome::done;
    }
    std::string relative(ex.path_in_mount().substr(1));
    if (has_hidden_segment(relative)) {
        r.error(404);
        co_return core::Outcome::done;
    }
    if (options_.cache_ttl > 0 && !options_.precompressed && !relative.empty() &&
        relative.back() != '/') {
        auto& cache = ex.worker_local<FileCache>(this);
        if (const FileEntry* hit = cache.find(relative, std::chrono::steady_clock::now())) {
            if (hit->content || unchanged(*hit)) {
                respond(ex, *hit, {});
                co_return core::Outcome::done;
            }
            cache.forget(relative); // written in place: its ETag and length are no more
        }
    }
    int err = 0;
    auto fd = open_beneath(root_.get(), relative, err);
    if (!fd) {
        r.error(status_for_errno(err), err == EXDEV || err == ELOOP
                                           ? "a symbolic link leaves the document root"
                                           : std::string());
        co_return core::Outcome::done;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        r.error(500);
        co_return core::Outcome::done;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!ex.path().ends_with('/')) {
            // A directory is addressed with a trailing slash so relative links resolve.
            std::string location = http::encode_path(ex.path()) + "/";
            if (!ex.request().query.empty()) {
                location += "?" + ex.request().query;
            }
            r.status = 301;
            r.headers.set("Location", location);
            r.body.append("<a href=\"" + http::html_escape(location) + "\">Moved</a>\n");
            r.headers.set("Content-Type", "text/html; charset=utf-8");
            co_return core::Outcome::done;
        }
        for (const auto& index : options_.index) {
            int ierr = 0;
            auto ifd = open_beneath(fd.get(), index, ierr);
            struct stat ist {};
            if (ifd && ::fstat(ifd.get(), &ist) == 0 && S_ISREG(ist.st_mode)) {
                serve_file(ex, std::move(ifd), ist, relative + index);
                co_return core::Outcome::done;
            }
        }
        if (!options_.listing) {
            r.error(403, "directory listing is disabled");
            co_return core::Outcome::done;
        }
        // Named, not a temporary inside co_await: g++ 12 mis-copies such temporaries.
        auto listing = [this, dir_fd = fd.get(), url_path = ex.path()] {
            return render_directory_listing(dir_fd, url_path, root_real_, options_.follow_symlinks);
        };
        auto html = co_await ex.run_blocking(std::move(listing));
        if (!html) {
            r.error(500);
            co_return core::Outcome::done;
        }
        r.status = 200;
        r.headers.set("Content-Type", "text/html; charset=utf-8");
        // A listing exists but has no validator: the core weighs the conditional fields
        // against that (RFC 9110 section 13.1: If-Match "x" fails, If-None-Match * is 304).
        r.validators = http::Validators{true, {}, std::nullopt};
        r.body.append(std::move(*html));
        co_return core::Outcome::done;
    }
    if (!S_ISREG(st.st_mode)) {
        r.error(403, "not a regular file");
        co_return core::Outcome::done;
    }
    serve_file(ex, std::move(fd), st, relative);
    co_return core::Outcome::done;
}

} // namespace quire::handlers
