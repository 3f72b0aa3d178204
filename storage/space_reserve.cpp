#include "space_reserve.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fd.hpp"

namespace quire::storage {

std::uint64_t free_bytes_at(const std::string& folder) {
    struct statvfs fs {};
    if (::statvfs(folder.c_str(), &fs) != 0)
        return 0;
    return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

namespace {

// The same, for the folder holding `file`.
std::uint64_t free_bytes(const std::string& file) {
    const auto slash = file.rfind('/');
    return free_bytes_at(slash == std::string::npos ? "." : file.substr(0, slash + 1));
}

} // namespace

SpaceReserve::SpaceReserve(std::string file, std::uint64_t size)
    : file_(std::move(file)), size_(size) {}

void SpaceReserve::replenish() const {
    if (file_.empty())
        return;
    struct stat st {};
    if (::stat(file_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_blocks) * 512 >= size_)
        return;
    if (free_bytes(file_) < 2 * size_)
        return; // leave what room there is to the writes that need it
    // Made under a name of its own, then renamed: a reserve is whole or absent, and a
    // fallocate that fails part way leaves no blocks taken.
    const std::string temp = file_ + ".new";
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd)
        return;
    if (::posix_fallocate(fd.get(), 0, static_cast<off_t>(size_)) != 0 ||
        ::rename(temp.c_str(), file_.c_str()) != 0)
        ::unlink(temp.c_str());
}

void SpaceReserve::release_if_low() const {
    if (file_.empty() || free_bytes(file_) >= size_)
        return;
    ::unlink(file_.c_str());
}

} // namespace quire::storage
