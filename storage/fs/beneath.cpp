#include "beneath.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string_view>
#include <sys/syscall.h>
#include <unistd.h>

namespace quire::storage::fs {

namespace {

int openat2_from(int dir, const char* relative, int flags, bool confine) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_NO_MAGICLINKS | (confine ? RESOLVE_BENEATH : 0);
    for (;;) {
        const long fd = ::syscall(SYS_openat2, dir, relative, &how, sizeof how);
        if (fd >= 0 || errno != EINTR)
            return static_cast<int>(fd);
    }
}

} // namespace

int open_beneath(int dir_fd, const char* relative, int flags, bool confine,
                 const std::string& root_real) {
    const int fd = openat2_from(dir_fd, relative, flags, confine);
    if (fd >= 0)
        return fd;
    if (errno == ENOSYS) {
        // No openat2 (a kernel before 5.6, or valgrind): open plainly, then check where the
        // descriptor really points.
        const int plain = ::openat(dir_fd, relative, flags | O_CLOEXEC);
        if (plain >= 0 && confine && !lies_within(plain, root_real)) {
            ::close(plain);
            errno = EXDEV;
            return -1;
        }
        return plain;
    }
    if (errno != EXDEV || !confine)
        return -1;
    // RESOLVE_BENEATH refuses every absolute link, even one that points back inside: open
    // unconfined and keep it only if what it reached lies inside.
    const int unconfined = openat2_from(dir_fd, relative, flags, false);
    if (unconfined >= 0 && lies_within(unconfined, root_real))
        return unconfined;
    if (unconfined >= 0)
        ::close(unconfined);
    errno = EXDEV;
    return -1;
}

bool lies_within(int fd, const std::string& root_real) {
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    char target[PATH_MAX];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0)
        return false;
    if (root_real == "/")
        return true;
    const std::string_view t(target, static_cast<std::size_t>(n));
    return t == root_real ||
           (t.starts_with(root_real) && t.size() > root_real.size() && t[root_real.size()] == '/');
}

} // namespace quire::storage::fs
