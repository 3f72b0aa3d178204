#include "copy_tree.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../body.hpp"
#include "../path.hpp"
#include "files.hpp"

namespace quire::storage::fs {

namespace {

Result<void> copy_file(int in, const std::string& from, int to_dir, const std::string& to_name) {
    UniqueFd out(::openat(to_dir, to_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out)
        return tl::unexpected(errno_error(errno, "create a copy of " + from));
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tl::unexpected(errno_error(errno, "read " + from));
        if (n == 0)
            break;
        if (auto ok = write_all(out.get(), buf, static_cast<std::size_t>(n)); !ok)
            return ok;
    }
    if (::fsync(out.get()) != 0)
        return tl::unexpected(errno_error(errno, "fsync a copy of " + from));
    return {};
}

// Whether a member of the folder `dir` is copied: files and folders are; a link only when it
// leads to one inside the share.
Result<bool> copied(const ShareRoot& share, int dir, const std::string& name,
                    const std::string& path) {
    auto entry = file_info(dir, name, AT_SYMLINK_NOFOLLOW);
    if (!entry)
        return tl::unexpected(entry.error());
    if (!entry->symlink)
        return entry->exists;
    auto target = share.info(path);
    if (!target && target.error().code == Errc::forbidden)
        return false;
    if (!target)
        return tl::unexpected(target.error());
    return target->exists;
}

} // namespace

Result<void> copy_tree(const ShareRoot& share, const std::string& from, int to_dir,
                       const std::string& to_name, bool recursive) {
    // O_NONBLOCK: a FIFO put there by hand must not block the copy.
    UniqueFd in = share.open(from, O_RDONLY | O_NONBLOCK);
    if (!in)
        return tl::unexpected(open_error(errno, from));
    struct stat st {};
    if (::fstat(in.get(), &st) != 0)
        return tl::unexpected(errno_error(errno, "stat " + from));
    if (!S_ISDIR(st.st_mode))
        return copy_file(in.get(), from, to_dir, to_name);
    if (::mkdirat(to_dir, to_name.c_str(), 0755) != 0)
        return tl::unexpected(errno_error(errno, "create a copy of " + from));
    if (!recursive)
        return {};
    UniqueFd out(
        ::openat(to_dir, to_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!out)
        return tl::unexpected(errno_error(errno, "open the copy of " + from));
    auto names = member_names_at(in.get());
    if (!names)
        return tl::unexpected(names.error());
    for (const auto& name : *names) {
        const std::string child = join(from, name);
        auto wanted = copied(share, in.get(), name, child);
        if (!wanted)
            return tl::unexpected(wanted.error());
        if (!*wanted)
            continue;
        if (auto ok = copy_tree(share, child, out.get(), name, true); !ok)
            return ok;
    }
    if (::fsync(out.get()) != 0)
        return tl::unexpected(errno_error(errno, "fsync the copy of " + from));
    return {};
}

} // namespace quire::storage::fs
