// Typed storage errors: expected failures are values; the DAV layer maps each code to a status.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::storage {

enum class Errc {
    not_found,            // 404
    exists,               // 405 for MKCOL on an existing resource
    conflict,             // 409: parent missing, parent is a document
    precondition_failed,  // 412: If-Match / If-None-Match / Overwrite: F
    not_a_collection,     // 409 or 405: listing or writing below a document
    is_a_collection,      // 405: PUT or read of a collection
    forbidden,            // 403: reserved name, copy onto itself or into itself
    insufficient_storage, // 507
    locked,               // 423/503: another writer holds the store too long
    io,                   // 500
    name_too_long,        // 414 or 400
    invalid_sync_token,   // 403 DAV:valid-sync-token (RFC 6578 section 3.2)
    not_supported,        // 501: capability missing (history on fs or sqlite)
};

std::string_view to_string(Errc code);

struct Error {
    Errc code;
    std::string message;
};

template <class T = void>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Errc code, std::string message) {
    return tl::unexpected(Error{code, std::move(message)});
}

// Maps an errno value to the closest typed error (ENOSPC -> insufficient_storage ...).
Error errno_error(int err, std::string_view what);

} // namespace quire::storage
