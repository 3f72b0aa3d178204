#include "lock_store.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <sys/random.h>

namespace quire::dav {

std::string normalize_lock_path(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    if (path.empty() || path == "/") {
        return "/";
    }
    std::string out;
    if (path.front() != '/') {
        out += '/';
    }
    out.append(path);
    return out;
}

void normalize_lock_path_in_place(std::string& path) {
    // Already normal: it starts with '/' and has no trailing '/' unless it is the root.
    if (!path.empty() && path.front() == '/' && (path.size() == 1 || path.back() != '/')) {
        return;
    }
    path = normalize_lock_path(path);
}

bool is_same_or_ancestor(std::string_view ancestor, std::string_view path) {
    if (ancestor == "/") {
        return true;
    }
    return path.starts_with(ancestor) &&
           (path.size() == ancestor.size() || path[ancestor.size()] == '/');
}

LockResult<std::string> new_lock_token() {
    std::array<unsigned char, 16> bytes{};
    std::size_t got = 0;
    while (got < bytes.size()) {
        const auto n = getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return tl::unexpected(
                LockError{LockErrc::io, std::string("getrandom: ") + std::strerror(errno), {}});
        }
        got += static_cast<std::size_t>(n);
    }
    // RFC 9562 section 5.4: version 4, variant 10.
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    static constexpr char hex[] = "0123456789abcdef";
    std::string token = "urn:uuid:";
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            token += '-';
        }
        token += hex[bytes[i] >> 4];
        token += hex[bytes[i] & 0xf];
    }
    return token;
}

} // namespace quire::dav
