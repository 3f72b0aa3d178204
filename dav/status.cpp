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

} // namespace quire::dav
