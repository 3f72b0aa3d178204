#include "read_file.hpp"

#include "core/unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace quire::config {

tl::expected<std::string, std::string> read_file(const std::filesystem::path& path) {
    core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return tl::unexpected(std::string(std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return tl::unexpected(std::string(std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode)) {
        return tl::unexpected(std::string(std::strerror(EISDIR)));
    }
    std::string text;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n == 0) {
            return text;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return tl::unexpected(std::string(std::strerror(errno)));
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
}

} // namespace quire::config
