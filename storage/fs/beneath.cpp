#include "beneath.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <linux/openat2.h>
#include <optional>
#include <string_view>
#include <sys/syscall.h>
#include <unistd.h>

namespace quire::storage::fs {

namespace {

constexpr std::string_view metadata_folder = ".quire";

int openat2_from(int dir, const char* relative, int flags, std::uint64_t resolve) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_NO_MAGICLINKS | resolve;
    for (;;) {
        const long fd = ::syscall(SYS_openat2, dir, relative, &how, sizeof how);
        if (fd >= 0 || errno != EINTR)
            return static_cast<int>(fd);
    }
}

// Where the open file `fd` really is (every link resolved); nullopt when that cannot be read.
std::optional<std::string> real_path_of(int fd) {
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    char target[PATH_MAX];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0)
        return std::nullopt;
    return std::string(target, static_cast<std::size_t>(n));
}

bool within(std::string_view real, const std::string& root_real) {
    return root_real == "/" || real == root_real ||
           (real.starts_with(root_real) && real.size() > root_real.size() &&
            real[root_real.size()] == '/');
}

// Whether one of the '/'-separated names in `path` is the metadata folder's.
bool names_metadata(std::string_view path) {
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        if (path.substr(0, slash) == metadata_folder)
            return true;
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    return false;
}

// Whether `real`, a real path, is the root's metadata folder or lies in it (or in the one of a
// share in a folder below the root).
bool is_metadata(std::string_view real, const std::string& root_real) {
    if (!within(real, root_real))
        return false; // outside (a mount that lets links lead out): not this root's
    return names_metadata(root_real == "/" ? real : real.substr(root_real.size()));
}

// What a descriptor for `relative`, perhaps reached through a link, may be: inside the root
// unless unconfined, and in the metadata folder only when `relative` names it (callers refuse
// that name but the fs store's own files; a link must not lead there).
int keep_if_allowed(int fd, const char* relative, bool confine, const std::string& root_real) {
    if (fd < 0)
        return fd;
    const auto real = real_path_of(fd);
    int refused = 0;
    if (!real)
        refused = EXDEV;
    else if (confine && !within(*real, root_real))
        refused = EXDEV;
    else if (is_metadata(*real, root_real) && !names_metadata(relative))
        refused = ENOENT; // as if not there, like the name itself
    if (refused == 0)
        return fd;
    ::close(fd);
    errno = refused;
    return -1;
}

} // namespace

int open_beneath(int dir_fd, const char* relative, int flags, bool confine,
                 const std::string& root_real) {
    // First without any link: most paths have none, and then the kernel's refusal of ".."
    // above the root and the callers' refusal of the metadata folder's name are all it takes.
    const std::uint64_t beneath = confine ? RESOLVE_BENEATH : 0;
    const int direct = openat2_from(dir_fd, relative, flags, beneath | RESOLVE_NO_SYMLINKS);
    if (direct >= 0)
        return direct;
    if (errno == ENOSYS) {
        // No openat2 (a kernel before 5.6, or valgrind): open plainly, then check where the
        // descriptor really points.
        return keep_if_allowed(::openat(dir_fd, relative, flags | O_CLOEXEC), relative, confine,
                               root_real);
    }
    if (errno != ELOOP && !(errno == EXDEV && confine))
        return -1; // not found, or not allowed
    // A link on the way (or a loop, or a ".." above `dir_fd`): follow links beneath the root,
    // then look at where the descriptor points.
    const int linked = openat2_from(dir_fd, relative, flags, beneath);
    if (linked >= 0)
        return keep_if_allowed(linked, relative, confine, root_real);
    if (errno != EXDEV || !confine)
        return -1;
    // RESOLVE_BENEATH refuses every absolute link, even one that points back inside: open
    // unconfined and keep it only if what it reached lies inside.
    return keep_if_allowed(openat2_from(dir_fd, relative, flags, 0), relative, true, root_real);
}

} // namespace quire::storage::fs
