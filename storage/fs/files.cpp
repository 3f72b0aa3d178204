#include "files.hpp"

#include <charconv>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <pthread.h>
#include <random>
#include <unistd.h>

#include "../path.hpp"

namespace quire::storage::fs {

Result<FileInfo> file_info(int dir_fd, const std::string& path, int extra_flags) {
    struct statx sx {};
    FileInfo info;
    if (::statx(dir_fd, path.c_str(), AT_STATX_SYNC_AS_STAT | extra_flags,
                STATX_BASIC_STATS | STATX_BTIME, &sx) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return info;
        return tl::unexpected(errno_error(errno, "stat " + path));
    }
    info.exists = S_ISREG(sx.stx_mode) || S_ISDIR(sx.stx_mode);
    info.directory = S_ISDIR(sx.stx_mode);
    info.symlink = S_ISLNK(sx.stx_mode);
    info.size = info.directory ? 0 : sx.stx_size;
    info.inode = sx.stx_ino;
    info.mtime_ns =
        static_cast<std::int64_t>(sx.stx_mtime.tv_sec) * 1'000'000'000 + sx.stx_mtime.tv_nsec;
    info.btime_ns =
        (sx.stx_mask & STATX_BTIME)
            ? static_cast<std::int64_t>(sx.stx_btime.tv_sec) * 1'000'000'000 + sx.stx_btime.tv_nsec
            : info.mtime_ns;
    return info;
}

std::string etag_of(const FileInfo& info) {
    // "<inode>-<size>-<mtime ns>" in hex; by hand, as snprintf shows in PROPFIND profiles.
    char buf[64];
    char* p = buf;
    const std::uint64_t parts[] = {info.inode, info.size,
                                   static_cast<std::uint64_t>(info.mtime_ns)};
    for (std::size_t i = 0; i < std::size(parts); ++i) {
        if (i > 0)
            *p++ = '-';
        p = std::to_chars(p, buf + sizeof buf, parts[i], 16).ptr;
    }
    return std::string(buf, p);
}

Meta meta_of(const std::string& path, const FileInfo& info) {
    Meta m;
    m.path = path;
    m.collection = info.directory;
    m.etag = etag_of(info);
    m.size = info.size;
    m.modified = Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(info.mtime_ns)));
    m.created = Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(info.btime_ns)));
    return m;
}

namespace {

// What temp_name() needs per thread: its generator and the "<prefix><pid>-" it starts with.
struct TempNames {
    std::mt19937_64 rng{std::random_device{}()};
    std::string prefix;
    TempNames() {
        char buf[32];
        prefix = ".quire-tmp-";
        prefix.append(buf, std::to_chars(buf, buf + sizeof buf, static_cast<int>(::getpid())).ptr);
        prefix += '-';
    }
};

// The thread's state, made when first used. A forked child (only the forking thread lives on
// in it) drops it, so that it neither shares its parent's generator nor its pid.
std::optional<TempNames>& temp_names() {
    thread_local std::optional<TempNames> names;
    return names;
}
void forget_temp_names_in_child() {
    temp_names().reset();
}

} // namespace

std::string temp_name() {
    // Once per process: getpid() per name was a system call in every quick PUT.
    [[maybe_unused]] static const int at_fork =
        ::pthread_atfork(nullptr, nullptr, &forget_temp_names_in_child);
    auto& names = temp_names();
    if (!names)
        names.emplace();
    // Formatted by hand: snprintf was a twentieth of a quick PUT's instructions.
    const std::uint64_t r = names->rng();
    char digits[16];
    for (int i = 0; i < 16; ++i)
        digits[i] = "0123456789abcdef"[(r >> (60 - 4 * i)) & 15];
    std::string name;
    name.reserve(names->prefix.size() + sizeof digits);
    name.append(names->prefix).append(digits, sizeof digits);
    return name;
}

namespace {

struct CloseDir {
    void operator()(DIR* dir) const { ::closedir(dir); }
};
// RAII owner of a directory stream.
using DirPtr = std::unique_ptr<DIR, CloseDir>;

Result<void> walk_into(const std::string& root, const std::string& path,
                       std::vector<WalkedPath>& out) {
    std::string full = root + path;
    DirPtr dir(::opendir(full.c_str()));
    if (!dir)
        return tl::unexpected(errno_error(errno, "open directory " + path));
    std::vector<std::pair<std::string, bool>> entries;
    while (dirent* e = ::readdir(dir.get())) {
        std::string_view name = e->d_name;
        if (name == "." || name == ".." || is_reserved_name(name))
            continue;
        bool is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st {};
            // Not through a link: a walk never leaves the folder it was asked about.
            is_dir = ::fstatat(dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISDIR(st.st_mode);
        }
        entries.emplace_back(std::string(name), is_dir);
    }
    dir.reset();
    for (auto& [name, is_dir] : entries) {
        std::string child = join(path, name);
        out.push_back({child, is_dir});
        if (is_dir)
            if (auto ok = walk_into(root, child, out); !ok)
                return ok;
    }
    return {};
}

} // namespace

namespace {

Result<std::vector<std::string>> names_of(DirPtr dir) {
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir.get())) {
        std::string_view name = e->d_name;
        if (name != "." && name != ".." && !is_reserved_name(name))
            names.emplace_back(name);
    }
    return names;
}

} // namespace

Result<std::vector<std::string>> member_names_at(int dir_fd) {
    int own = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0); // fdopendir takes the descriptor over
    if (own < 0)
        return tl::unexpected(errno_error(errno, "dup directory"));
    DirPtr dir(::fdopendir(own));
    if (!dir) {
        ::close(own);
        return tl::unexpected(errno_error(errno, "open directory"));
    }
    // A duplicated descriptor shares the read offset: start from the first entry.
    ::rewinddir(dir.get());
    return names_of(std::move(dir));
}

Result<std::vector<WalkedPath>> walk(const std::string& root, const std::string& path) {
    std::vector<WalkedPath> out;
    if (auto ok = walk_into(root, path, out); !ok)
        return tl::unexpected(ok.error());
    return out;
}

} // namespace quire::storage::fs
