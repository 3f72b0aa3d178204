#include "sendfile.hpp"

#include <cerrno>
#include <cstring>
#include <sys/sendfile.h>
#include <unistd.h>

namespace quire::net {

tl::expected<std::size_t, std::string> sendfile_some(int socket_fd, int file_fd,
                                                     std::uint64_t offset, std::uint64_t length) {
    // Moderate steps (as lighttpd does): the receiver copies each piece out while it is still
    // in the CPU cache; one huge call is measurably slower on loopback (2.0 vs 3.5 GB/s).
    constexpr std::uint64_t max_step = 256 * 1024;
    auto off = static_cast<off_t>(offset);
    for (;;) {
        ssize_t n = ::sendfile(socket_fd, file_fd, &off, std::min(length, max_step));
        if (n > 0) {
            return static_cast<std::size_t>(n);
        }
        if (n == 0) {
            return tl::unexpected(std::string("the file ended early (it shrank while being sent)"));
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            return 0;
        }
        return tl::unexpected(std::string(std::strerror(errno)));
    }
}

tl::expected<void, std::string> read_file_range(int fd, std::uint64_t offset, char* out,
                                                std::size_t length) {
    while (length > 0) {
        ssize_t n = ::pread(fd, out, length, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return tl::unexpected(std::string(std::strerror(errno)));
        }
        if (n == 0) {
            return tl::unexpected(std::string("the file ended early (it shrank while being read)"));
        }
        out += n;
        offset += static_cast<std::uint64_t>(n);
        length -= static_cast<std::size_t>(n);
    }
    return {};
}

} // namespace quire::net
