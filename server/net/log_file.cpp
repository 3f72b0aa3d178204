#include "log_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace quire::net {

tl::expected<LogFile, std::string> LogFile::open(const std::string& path, int standard_fd) {
    LogFile log;
    log.path_ = path;
    if (path == "off" || path.empty()) {
        return log;
    }
    if (path == "-") {
        log.fd_ = standard_fd;
        return log;
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return tl::unexpected(path + ": " + std::strerror(errno));
    }
    log.owned_.reset(fd);
    log.fd_ = fd;
    return log;
}

void LogFile::write(std::string_view line) const {
    if (fd_ < 0) {
        return;
    }
    while (!line.empty()) {
        ssize_t n = ::write(fd_, line.data(), line.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return; // a log that cannot be written must not take the server down
        }
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

tl::expected<void, std::string> LogFile::reopen() {
    if (!owned_) {
        return {};
    }
    core::UniqueFd fresh(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fresh) {
        return tl::unexpected(path_ + ": " + std::strerror(errno));
    }
    if (::dup3(fresh.get(), owned_.get(), O_CLOEXEC) < 0) {
        return tl::unexpected(path_ + ": " + std::strerror(errno));
    }
    return {};
}

} // namespace quire::net
