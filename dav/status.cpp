#include "status.hpp"

namespace quire::dav {

int status_of(storage::Errc code) {
    using storage::Errc;
    switch (code) {
    case Errc::not_found:
        return 404;
    case Errc::exists:
        return 405;
    case Errc::conflict:
        return 409;
    case Errc::precondition_failed:
        return 412;
    case Errc::not_a_collection:
        return 409;
    case Errc::is_a_collection:
        return 405;
    case Errc::forbidden:
        return 403;
    case Errc::insufficient_storage:
        return 507;
    case Errc::locked:
        return 503;
    case Errc::io:
        return 500;
    case Errc::name_too_long:
        return 414;
    case Errc::invalid_sync_token:
        return 403;
    case Errc::not_supported:
        return 501;
    }
    return 500;
}

const char* reason_of(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 414:
        return "URI Too Long";
    case 423:
        return "Locked";
    case 424:
        return "Failed Dependency";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 507:
        return "Insufficient Storage";
    default:
        return "Unknown";
    }
}

} // namespace quire::dav
