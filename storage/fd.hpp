// RAII owner of a POSIX file descriptor.
#pragma once

#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace quire::storage {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other)
            reset(std::exchange(other.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    void reset(int fd = -1) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// A file of this process only, in memory (memfd_create): the stand-in a read-only store maps
// where a writable one shares a file of its folder (a lock, a counter), so that nothing is
// made on disk. Invalid when the kernel refuses.
inline UniqueFd private_file(const char* name) {
    return UniqueFd(::memfd_create(name, MFD_CLOEXEC));
}

} // namespace quire::storage
