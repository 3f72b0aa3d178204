#include "folder_lock.hpp"

#include <ctime>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <utility>

#include "../error.hpp"

namespace quire::storage::fs {

namespace {

// Where the lock lives in the file (the counter has bytes 0 to 7).
struct Area {
    char magic[8];
    std::uint32_t mutex_size; // a layout this binary can use
    std::uint32_t reserved;
};
constexpr std::size_t area_offset = 64;
constexpr std::size_t mutex_offset = 128;
constexpr std::size_t file_size = 256;
constexpr char magic[8] = {'Q', 'W', 'L', 'O', 'C', 'K', '0', '1'};
static_assert(area_offset + sizeof(Area) <= mutex_offset);
static_assert(mutex_offset + sizeof(pthread_mutex_t) <= file_size);

Area& area_of(void* page) {
    return *reinterpret_cast<Area*>(static_cast<unsigned char*>(page) + area_offset);
}
pthread_mutex_t* mutex_of(void* page) {
    return reinterpret_cast<pthread_mutex_t*>(static_cast<unsigned char*>(page) + mutex_offset);
}

bool initialised(void* page) {
    std::atomic_thread_fence(std::memory_order_acquire);
    const Area& area = area_of(page);
    return std::memcmp(area.magic, magic, sizeof magic) == 0 &&
           area.mutex_size == sizeof(pthread_mutex_t);
}

// Only while this process holds the exclusive flock: no one else uses the mutex.
void initialise(void* page) {
    Area& area = area_of(page);
    std::memset(&area, 0, sizeof area);
    pthread_mutex_t* mutex = mutex_of(page);
    std::memset(static_cast<void*>(mutex), 0, sizeof *mutex);
    pthread_mutexattr_t attr;
    ::pthread_mutexattr_init(&attr);
    ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    ::pthread_mutex_init(mutex, &attr);
    ::pthread_mutexattr_destroy(&attr);
    area.mutex_size = sizeof(pthread_mutex_t);
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(area.magic, magic, sizeof magic);
}

Result<void> take_flock(int fd, int how, const std::string& file) {
    while (::flock(fd, how) != 0)
        if (errno != EINTR)
            return tl::unexpected(errno_error(errno, "flock " + file));
    return {};
}

} // namespace

Result<FolderLock> FolderLock::open(const std::string& file) {
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        return tl::unexpected(errno_error(errno, "open " + file));
    return join(std::move(fd), file);
}

Result<FolderLock> FolderLock::open_private() {
    UniqueFd fd = private_file("quire-lock");
    if (!fd)
        return tl::unexpected(errno_error(errno, "memfd_create (the read-only writer lock)"));
    return join(std::move(fd), "the read-only writer lock");
}

Result<FolderLock> FolderLock::join(UniqueFd fd, const std::string& file) {
    for (;;) {
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
            // Alone. The page is allocated first: a store into a hole of a full disk's file
            // through the mapping would be a SIGBUS.
            if (int err = ::posix_fallocate(fd.get(), 0, file_size); err != 0)
                return tl::unexpected(errno_error(err, "allocate " + file));
            void* page =
                ::mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
            if (page == MAP_FAILED)
                return tl::unexpected(errno_error(errno, "map " + file));
            initialise(page);
            // Down to shared. Not atomic (flock(2)): a process that takes the exclusive flock
            // in between only initialises again a mutex that no one uses yet.
            if (auto ok = take_flock(fd.get(), LOCK_SH, file); !ok) {
                ::munmap(page, file_size);
                return tl::unexpected(ok.error());
            }
            return FolderLock(std::move(fd), page, mutex_of(page));
        }
        if (errno != EWOULDBLOCK && errno != EINTR)
            return tl::unexpected(errno_error(errno, "flock " + file));
        if (auto ok = take_flock(fd.get(), LOCK_SH, file); !ok)
            return tl::unexpected(ok.error());
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0)
            return tl::unexpected(errno_error(errno, "stat " + file));
        if (st.st_size >= static_cast<off_t>(file_size)) {
            void* page =
                ::mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
            if (page == MAP_FAILED)
                return tl::unexpected(errno_error(errno, "map " + file));
            if (initialised(page))
                return FolderLock(std::move(fd), page, mutex_of(page));
            ::munmap(page, file_size);
        }
        // Shared, yet not initialised: the exclusive holder was an older Quire writing (it
        // knows no mutex). Let go, and try to be the one that initialises it.
        ::flock(fd.get(), LOCK_UN);
    }
}

FolderLock::FolderLock(FolderLock&& other) noexcept
    : fd_(std::move(other.fd_)), page_(std::exchange(other.page_, nullptr)),
      mutex_(std::exchange(other.mutex_, nullptr)) {}

FolderLock& FolderLock::operator=(FolderLock&& other) noexcept {
    if (this != &other) {
        if (page_)
            ::munmap(page_, file_size);
        fd_ = std::move(other.fd_);
        page_ = std::exchange(other.page_, nullptr);
        mutex_ = std::exchange(other.mutex_, nullptr);
    }
    return *this;
}

FolderLock::~FolderLock() {
    if (page_)
        ::munmap(page_, file_size);
    // Closing fd_ releases the shared flock.
}

void FolderLock::lock() {
    take_over(::pthread_mutex_lock(mutex_));
}

bool FolderLock::try_lock() {
    const int rc = ::pthread_mutex_trylock(mutex_);
    if (rc == EBUSY)
        return false;
    take_over(rc);
    return true;
}

bool FolderLock::try_lock_for(std::chrono::microseconds wait) {
    int rc = ::pthread_mutex_trylock(mutex_);
    if (rc == EBUSY) {
        struct timespec until {};
        ::clock_gettime(CLOCK_REALTIME, &until);
        const long long ns = until.tv_nsec + static_cast<long long>(wait.count()) * 1000;
        until.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
        until.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        rc = ::pthread_mutex_timedlock(mutex_, &until);
        if (rc == ETIMEDOUT)
            return false;
    }
    take_over(rc);
    return true;
}

void FolderLock::unlock() {
    ::pthread_mutex_unlock(mutex_);
}

void FolderLock::take_over(int rc) {
    if (rc == 0)
        return;
    if (rc == EOWNERDEAD) {
        ::pthread_mutex_consistent(mutex_);
        return;
    }
    // Not recoverable (no taker ever leaves it inconsistent) or taken twice by one thread:
    // a broken invariant, and writing on without the lock could corrupt the folder.
    std::fprintf(stderr, "quire: the fs writer lock failed: %s\n", std::strerror(rc));
    std::abort();
}

} // namespace quire::storage::fs
