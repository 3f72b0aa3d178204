#include "dav_handler.hpp"

#include "context.hpp"
#include "core/methods.hpp"
#include "core/router.hpp"
#include "dav/proto/fields.hpp"
#include "dav/proto/multistatus.hpp"
#include "dav/proto/xml_charset.hpp"
#include "http/path.hpp"
#include "preconditions.hpp"
#include "storage/path.hpp"

namespace quire::dav {

namespace {

bool is_macos_metadata(std::string_view path) {
    const auto name = storage::name_of(path);
    return name.starts_with("._") || name == ".DS_Store";
}

// Methods that can make a resource at the request's target (LOCK on an unmapped URL does,
// RFC 4918 section 9.10.4) or give it properties.
bool makes_target(std::string_view m) {
    return m == "PUT" || m == "MKCOL" || m == "PROPPATCH" || m == "LOCK";
}

// Whether a request would bring a macOS metadata file onto the share: made at its target, or
// copied or moved to its Destination. Reading and deleting one already there stay allowed,
// so that a share switched to refusing them can be cleaned.
bool brings_macos_metadata(const Request& r, std::string_view m) {
    if (makes_target(m))
        return is_macos_metadata(r.path);
    if (m != "COPY" && m != "MOVE")
        return false;
    const auto destination = r.ex.request().headers.get("Destination");
    if (!destination)
        return false;
    const auto to = r.store_path_of(*destination);
    return to && is_macos_metadata(*to);
}

bool takes_generic_preconditions(std::string_view m) {
    return m == "PROPFIND" || m == "PROPPATCH" || m == "MKCOL" || m == "LOCK" || m == "UNLOCK" ||
           m == "REPORT";
}

class DavHandler final : public core::Handler {
public:
    explicit DavHandler(DavOptions options) : options_(std::move(options)) {
        mime_.load_file("/etc/mime.types"); // absent: the built-in defaults stay
    }

    asio::awaitable<core::Outcome> handle(core::Exchange& ex) override {
        // A view: each comparison below is then a length check and a short memcmp, not a
        // strlen and a compare (about 20 of them per request).
        const std::string_view m = ex.method();
        auto path = storage::normalise(ex.path_in_mount());
        if (!path) {
            const int status = path.error().code == storage::Errc::name_too_long ? 414 : 403;
            fail(ex, status, path.error().message);
            co_return core::Outcome::done;
        }
        const auto& prefix = ex.mount().prefix;
        Request r{ex,
                  options_,
                  std::move(*path),
                  prefix == "/" ? std::string() : http::encode_path(prefix),
                  ex.principal.empty() ? std::string("anonymous") : ex.principal,
                  std::nullopt,
                  &mime_};
        if (ex.body().present() && http::has_content_coding(ex.request().headers)) {
            // RFC 9110 section 15.5.16: 415 for a content coding the server does not take, and
            // Accept-Encoding (RFC 7694) says which it takes: none but identity. Bodies are
            // parsed and stored as they come: a gzip-coded PUT would be kept compressed and
            // later served as if those bytes were the document.
            fail(ex, 415, "request bodies in a content coding (Content-Encoding) are not accepted");
            ex.response().headers.add("Accept-Encoding", "identity");
            co_return core::Outcome::done;
        }
        if (auto value = ex.request().headers.get_combined("If")) {
            auto parsed = parse_if_header(*value);
            if (!parsed) {
                fail(ex, 400, "If header: " + parsed.error());
                co_return core::Outcome::done;
            }
            r.if_header = std::move(*parsed);
        }
        if (options_.refuse_macos_metadata && brings_macos_metadata(r, m)) {
            fail(ex, 403, "macOS metadata files are not stored on this share");
            co_return core::Outcome::done;
        }
        // GET, HEAD, PUT and DELETE weigh the precondition fields themselves (304, the store's
        // atomic If-Match), COPY and MOVE after checking their own fields.
        if (takes_generic_preconditions(m)) {
            const bool hold = co_await preconditions_hold(r);
            if (!hold)
                co_return core::Outcome::done;
        }
        if (m == "GET" || m == "HEAD") {
            co_await do_get(r); // HEAD too: the core sends no body
        } else if (m == "PROPFIND") {
            co_await do_propfind(r);
        } else if (m == "OPTIONS") {
            co_await do_options(r);
        } else if (m == "PUT") {
            co_await do_put(r);
        } else if (m == "DELETE") {
            co_await do_delete(r);
        } else if (m == "MKCOL") {
            co_await do_mkcol(r);
        } else if (m == "COPY" || m == "MOVE") {
            co_await do_copy_move(r, m == "MOVE");
        } else if (m == "PROPPATCH") {
            co_await do_proppatch(r);
        } else if (m == "LOCK") {
            co_await do_lock(r);
        } else if (m == "UNLOCK") {
            co_await do_unlock(r);
        } else if (m == "REPORT") {
            co_await do_report(r);
        } else if (!core::is_known_method(m)) {
            ex.response().error(501, "method " + std::string(m) + " is not implemented");
        } else {
            ex.response().error(405);
        }
        // RFC 9110 section 15.5.6: a 405 names the methods the target does take.
        if (ex.response().status == 405 && !ex.response().headers.has("Allow")) {
            const char* allow = co_await methods_allowed_on(r);
            ex.response().headers.add("Allow", allow);
        }
        co_return core::Outcome::done;
    }

private:
    DavOptions options_;
    http::MimeTypes mime_;
};

} // namespace

std::shared_ptr<core::Handler> make_dav_handler(DavOptions options) {
    return std::make_shared<DavHandler>(std::move(options));
}

std::string Request::href(std::string_view store_path, bool collection) const {
    std::string out = href_base;
    out += http::encode_path(store_path);
    if (collection && !out.ends_with('/')) {
        out += '/';
    }
    return out;
}

// What the target takes, by what is there (the methods that make something need a free name;
// REPORT, sync-collection, is for collections).
asio::awaitable<const char*> methods_allowed_on(Request& r) {
    auto meta = co_await r.ex.run_blocking([&r] { return r.options.store->stat_basic(r.path); });
    const bool writes = r.ex.may_write; // false: the client may only read here
    if (!meta)
        co_return writes ? "OPTIONS, PUT, MKCOL, LOCK" : "OPTIONS";
    if (meta->collection)
        co_return writes ? "OPTIONS, GET, HEAD, DELETE, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, "
                           "UNLOCK, REPORT"
                         : "OPTIONS, GET, HEAD, PROPFIND, REPORT";
    co_return writes ? "OPTIONS, GET, HEAD, PUT, DELETE, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, "
                       "UNLOCK"
                     : "OPTIONS, GET, HEAD, PROPFIND";
}

std::string Request::lock_root_href(std::string_view root) const {
    const auto meta = options.store->stat_basic(root);
    return href(root, meta && meta->collection);
}

namespace {

// Whether two authorities name the same server: hosts compared without case, and a missing
// port is the scheme's default (RFC 3986 section 6.2.3: "h" and "h:80" are one for http).
bool same_authority(std::string_view a, std::string_view b, std::string_view scheme) {
    auto split = [](std::string_view authority) {
        const auto colon = authority.rfind(':');
        // A colon inside an IPv6 literal ("[::1]") is no port separator.
        if (colon == std::string_view::npos || authority.find(']', colon) != std::string_view::npos)
            return std::pair(authority, std::string_view());
        return std::pair(authority.substr(0, colon), authority.substr(colon + 1));
    };
    const std::string_view default_port = scheme == "https" ? "443" : "80";
    auto [host_a, port_a] = split(a);
    auto [host_b, port_b] = split(b);
    return http::iequals(host_a, host_b) &&
           (port_a.empty() ? default_port : port_a) == (port_b.empty() ? default_port : port_b);
}

} // namespace

tl::expected<std::string, UriRefusal> Request::resolve_uri(std::string_view uri) const {
    auto dest = parse_destination(uri);
    if (!dest) {
        return tl::unexpected(UriRefusal{400, dest.error()});
    }
    if (!dest->authority.empty()) {
        const auto host = ex.request().headers.get("Host");
        if (!host || !same_authority(*host, dest->authority, dest->scheme)) {
            return tl::unexpected(UriRefusal{502, "it names another server"});
        }
    }
    auto decoded = http::normalize_path(dest->path);
    if (!decoded) {
        return tl::unexpected(
            UriRefusal{decoded.error().status, "its path: " + decoded.error().reason});
    }
    std::string_view p = *decoded;
    const auto& prefix = ex.mount().prefix;
    if (prefix != "/") {
        if (!p.starts_with(prefix) || (p.size() > prefix.size() && p[prefix.size()] != '/')) {
            return tl::unexpected(UriRefusal{502, "it is not on this share"});
        }
        p.remove_prefix(prefix.size());
    }
    auto normal = storage::normalise(p.empty() ? std::string_view("/") : p);
    if (!normal) {
        return tl::unexpected(UriRefusal{status_of(normal.error().code), normal.error().message});
    }
    return std::move(*normal);
}

std::optional<std::string> Request::store_path_of(std::string_view uri) const {
    auto resolved = resolve_uri(uri);
    if (!resolved) {
        return std::nullopt;
    }
    return std::move(*resolved);
}

void fail(core::Exchange& ex, int status, std::string detail) {
    auto& res = ex.response();
    res.error(status, std::move(detail));
}

void fail_xml(core::Exchange& ex, int status, std::string body) {
    auto& res = ex.response();
    res.error(status);
    res.headers.add("Content-Type", "application/xml; charset=utf-8");
    res.body.append(std::move(body));
}

void fail_precondition(core::Exchange& ex, int status, std::string_view precondition,
                       std::string_view inner) {
    fail_xml(ex, status, error_body(precondition, inner));
}

void multistatus(core::Exchange& ex, std::string body) {
    auto& res = ex.response();
    res.status = 207;
    res.headers.add("Content-Type", "application/xml; charset=utf-8");
    res.body.append(std::move(body));
}

asio::awaitable<std::optional<std::string>> read_xml_body(Request& r) {
    auto& body = r.ex.body();
    if (!body.present()) {
        co_return std::string();
    }
    if (auto n = body.declared_length(); n && *n > r.options.max_xml_body) {
        fail(r.ex, 413,
             "the XML body is larger than " + std::to_string(r.options.max_xml_body) + " bytes");
        r.ex.response().close = true;
        co_return std::nullopt;
    }
    auto all = co_await core::read_all(body, r.options.max_xml_body);
    if (!all) {
        fail(r.ex, all.error().status, all.error().reason);
        r.ex.response().close = true;
        co_return std::nullopt;
    }
    auto utf8 =
        xml_body_as_utf8(std::move(*all), r.ex.request().headers.get("Content-Type").value_or(""));
    if (!utf8) {
        fail(r.ex, 400, utf8.error());
        co_return std::nullopt;
    }
    co_return std::move(*utf8);
}

} // namespace quire::dav
