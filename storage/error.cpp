#include "error.hpp"

#include <cerrno>
#include <cstring>

namespace quire::storage {

std::string_view to_string(Errc code) {
    switch (code) {
    case Errc::not_found:
        return "not found";
    case Errc::exists:
        return "exists";
    case Errc::conflict:
        return "conflict";
    case Errc::precondition_failed:
        return "precondition failed";
    case Errc::not_a_collection:
        return "not a collection";
    case Errc::is_a_collection:
        return "is a collection";
    case Errc::forbidden:
        return "forbidden";
    case Errc::insufficient_storage:
        return "insufficient storage";
    case Errc::locked:
        return "locked by another writer";
    case Errc::io:
        return "I/O error";
    case Errc::name_too_long:
        return "name too long";
    case Errc::invalid_sync_token:
        return "invalid sync token";
    case Errc::not_supported:
        return "not supported";
    }
    return "unknown";
}

Error errno_error(int err, std::string_view what) {
    std::string message = std::string(what) + ": " + std::strerror(err);
    switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return {Errc::insufficient_storage, std::move(message)};
    case ENAMETOOLONG:
        return {Errc::name_too_long, std::move(message)};
    case ENOENT:
        return {Errc::not_found, std::move(message)};
    case EEXIST:
    case ENOTEMPTY:
        return {Errc::exists, std::move(message)};
    case ENOTDIR:
        return {Errc::not_a_collection, std::move(message)};
    case EISDIR:
        return {Errc::is_a_collection, std::move(message)};
    case EACCES:
    case EPERM:
        return {Errc::forbidden, std::move(message)};
    default:
        return {Errc::io, std::move(message)};
    }
}

} // namespace quire::storage
