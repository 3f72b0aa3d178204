#include "type_cache.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace quire::storage::fs {

namespace {
constexpr std::size_t max_entries = 100000;
}

TypeCache::TypeCache(int lock_fd) {
    struct stat st {};
    if (::fstat(lock_fd, &st) != 0) {
        return;
    }
    if (st.st_size < static_cast<off_t>(sizeof(std::uint64_t)) &&
        ::ftruncate(lock_fd, sizeof(std::uint64_t)) != 0) {
        return;
    }
    void* page =
        ::mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, lock_fd, 0);
    if (page != MAP_FAILED) {
        shared_ = static_cast<std::uint64_t*>(page);
    }
}

TypeCache::~TypeCache() {
    if (shared_) {
        ::munmap(shared_, sizeof(std::uint64_t));
    }
}

std::uint64_t TypeCache::generation() const {
    // Lock-free 64-bit atomics work on shared memory between processes.
    return shared_ ? std::atomic_ref<std::uint64_t>(*shared_).load(std::memory_order_acquire) : 0;
}

std::optional<std::string> TypeCache::get(std::string_view path) {
    if (!shared_) {
        return std::nullopt;
    }
    const auto now = generation();
    std::lock_guard lock(mutex_);
    if (now != seen_) {
        types_.clear();
        seen_ = now;
        return std::nullopt;
    }
    if (auto it = types_.find(std::string(path)); it != types_.end()) {
        return it->second;
    }
    return std::nullopt;
}

void TypeCache::put(std::string_view path, std::string type, std::uint64_t generation) {
    if (!shared_) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (generation != seen_ || generation != this->generation()) {
        return; // read before a write that has since committed: not cached
    }
    if (types_.size() >= max_entries) {
        types_.clear();
    }
    types_.insert_or_assign(std::string(path), std::move(type));
}

void TypeCache::bump() {
    if (shared_) {
        std::atomic_ref<std::uint64_t>(*shared_).fetch_add(1, std::memory_order_acq_rel);
    }
}

} // namespace quire::storage::fs
