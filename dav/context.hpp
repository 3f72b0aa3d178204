// What every WebDAV method implementation shares: the handler's options and one request's
// resolved paths, plus the helpers that turn store paths into hrefs.
#pragma once

#include "core/exchange.hpp"
#include "dav/dav_handler.hpp"
#include "dav/proto/if_header.hpp"
#include "dav/status.hpp"
#include "http/mime.hpp"

#include <asio/awaitable.hpp>
#include <optional>
#include <string>
#include <tl/expected.hpp>
#include <type_traits>
#include <vector>

namespace quire::dav {

// Why a URI in a request (Destination) names nothing on this share: the status to answer
// and what to say.
struct UriRefusal {
    int status = 502;
    std::string reason;
};

struct Request {
    core::Exchange& ex;
    const DavOptions& options;
    std::string path;      // the store path ("/a/b"), from the request URI
    std::string href_base; // the encoded mount prefix ("" for a mount at "/")
    std::string actor;     // the authenticated user or "anonymous"
    std::optional<IfHeader> if_header;
    const http::MimeTypes* mime = nullptr;

    // The encoded href of a store path; collections end in '/'.
    std::string href(std::string_view store_path, bool collection) const;
    // The href of a lock's root (RFC 4918 section 14.12): a collection's ends in '/', as the
    // URL it was locked through did (looks at the store; call it off the event loop).
    std::string lock_root_href(std::string_view root) const;
    // Whether the request URI ends in '/' below the mount's root: it names a collection (RFC
    // 4918 section 5.2), and a document there is not what it names.
    bool names_collection() const { return path != "/" && ex.path_in_mount().ends_with('/'); }
    // A raw (percent-encoded) URI or absolute path to a store path on this mount, or nullopt
    // when it names another server, scheme or mount.
    std::optional<std::string> store_path_of(std::string_view uri) const;
    // The same, saying why not: 502 for another server or mount, 400 for what is not a URI
    // or a path, and the store's status for a name it refuses (403 reserved, 414 too long).
    tl::expected<std::string, UriRefusal> resolve_uri(std::string_view uri) const;
};

// Sets a plain-text error response.
void fail(core::Exchange& ex, int status, std::string detail);
// Sets an error response with an XML body (already built).
void fail_xml(core::Exchange& ex, int status, std::string body);
// Sets an XML <D:error> response (RFC 4918 section 16 preconditions).
void fail_precondition(core::Exchange& ex, int status, std::string_view precondition,
                       std::string_view inner = {});
// Sets a 207 response with the given XML body.
void multistatus(core::Exchange& ex, std::string body);

// Reads an XML request body up to the configured limit; sets 413/400 and returns nullopt
// when it cannot.
asio::awaitable<std::optional<std::string>> read_xml_body(Request& r);

// The methods the request's target takes (Allow), by what is there and what the client may
// do: for OPTIONS and for a 405 (RFC 9110 section 10.2.1).
asio::awaitable<const char*> methods_allowed_on(Request& r);

// Method implementations (one file each).
asio::awaitable<void> do_options(Request& r);
asio::awaitable<void> do_get(Request& r); // GET and HEAD
asio::awaitable<void> do_put(Request& r);
asio::awaitable<void> do_delete(Request& r);
asio::awaitable<void> do_mkcol(Request& r);
asio::awaitable<void> do_copy_move(Request& r, bool move);
asio::awaitable<void> do_propfind(Request& r);
asio::awaitable<void> do_proppatch(Request& r);
asio::awaitable<void> do_lock(Request& r);
asio::awaitable<void> do_unlock(Request& r);
asio::awaitable<void> do_report(Request& r);

} // namespace quire::dav
