#include "folder_cache.hpp"

#include <sys/stat.h>

namespace quire::storage::fs {

FolderCache::FolderCache(const std::string& generation_file, std::chrono::milliseconds ttl)
    : generation_(generation_file),
      ttl_(generation_.enabled() ? ttl : std::chrono::milliseconds(0)) {}

FolderCache::FolderCache(UniqueFd generation_fd, std::chrono::milliseconds ttl)
    : generation_(generation_fd.get()), // the mapping outlives the descriptor
      ttl_(generation_.enabled() ? ttl : std::chrono::milliseconds(0)) {}

FolderCache::Fd FolderCache::find(const std::string& folder, bool check_links) {
    if (ttl_.count() == 0)
        return nullptr;
    const std::uint64_t now_generation = generation_.load();
    Fd fd;
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(folder);
        if (it == entries_.end())
            return nullptr;
        if (it->second.generation != now_generation ||
            it->second.expires <= std::chrono::steady_clock::now()) {
            entries_.erase(it);
            return nullptr;
        }
        fd = it->second.fd;
    }
    // A folder another program removed takes no new names (ENOENT): then open the one that
    // may stand at its path now. One fstat (0.6 µs here) against an openat2 and a close.
    if (check_links && removed(folder, fd))
        return nullptr;
    return fd;
}

bool FolderCache::removed(const std::string& folder, const Fd& fd) {
    struct stat st {};
    if (::fstat(fd->get(), &st) == 0 && st.st_nlink > 0)
        return false;
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(folder); it != entries_.end() && it->second.fd == fd)
        entries_.erase(it);
    return true;
}

void FolderCache::keep(const std::string& folder, Fd fd, std::uint64_t generation) {
    if (ttl_.count() == 0)
        return;
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries)
        entries_.clear();
    entries_[folder] = Entry{std::move(fd), generation, std::chrono::steady_clock::now() + ttl_};
}

void FolderCache::changed() {
    generation_.bump();
    std::lock_guard lock(mutex_);
    entries_.clear();
}

} // namespace quire::storage::fs
