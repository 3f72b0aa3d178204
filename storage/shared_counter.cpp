#include "shared_counter.hpp"

#include <atomic>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd.hpp"

namespace quire::storage {

SharedCounter::SharedCounter(int fd) {
    map(fd);
}

SharedCounter::SharedCounter(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd) {
        map(fd.get()); // the mapping outlives the descriptor
    }
}

SharedCounter::SharedCounter(const std::string& path, ReadOnly) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (fd && ::fstat(fd.get(), &st) == 0 &&
        st.st_size >= static_cast<off_t>(sizeof(std::uint64_t))) {
        void* page = ::mmap(nullptr, sizeof(std::uint64_t), PROT_READ, MAP_SHARED, fd.get(), 0);
        if (page != MAP_FAILED) {
            value_ = static_cast<std::uint64_t*>(page);
            writable_ = false;
            return;
        }
    }
    if (UniqueFd own = private_file("quire-counter")) {
        map(own.get());
    }
}

void SharedCounter::map(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return;
    }
    if (st.st_size < static_cast<off_t>(sizeof(std::uint64_t)) &&
        ::ftruncate(fd, sizeof(std::uint64_t)) != 0) {
        return;
    }
    void* page = ::mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page != MAP_FAILED) {
        value_ = static_cast<std::uint64_t*>(page);
    }
}

SharedCounter::~SharedCounter() {
    if (value_) {
        ::munmap(value_, sizeof(std::uint64_t));
    }
}

std::uint64_t SharedCounter::load() const {
    // Lock-free 64-bit atomics work on shared memory between processes.
    return value_ ? std::atomic_ref<std::uint64_t>(*value_).load(std::memory_order_acquire) : 0;
}

void SharedCounter::bump() {
    if (value_ && writable_) {
        std::atomic_ref<std::uint64_t>(*value_).fetch_add(1, std::memory_order_acq_rel);
    }
}

} // namespace quire::storage
