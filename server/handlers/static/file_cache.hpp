// A per-worker cache of open files with their metadata (and the bytes of small files), valid
// for a short time, as nginx's open_file_cache and lighttpd's stat cache: a hit costs no
// open/fstat/read/close. A file replaced on disk (a new inode: a rename over it) is seen after at
// most the time to live; one written in place is seen at once for files served from their
// descriptor (each hit looks at it with fstat), and after the time to live for the small files
// kept in memory. What a hit serves is always a consistent pair of bytes and ETag.
#pragma once

#include "core/response.hpp"
#include "core/unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <unordered_map>

namespace quire::handlers {

struct FileEntry {
    std::shared_ptr<const core::UniqueFd> fd;
    std::uint64_t size = 0;
    std::time_t mtime = 0;
    // What fstat said when the entry was made: a file written in place (same inode) shows as
    // another size or time, and its entry is not used (see StaticHandler::handle).
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::string etag;
    std::string last_modified; // formatted
    std::string content_type;
    std::shared_ptr<const std::string> content; // the whole file, when small
    // The fields above as the answer's lines (only for entries in the cache).
    std::shared_ptr<const core::PreparedFields> prepared;
    std::chrono::steady_clock::time_point expires;
};

class FileCache {
public:
    static constexpr std::size_t max_entries = 4096;
    static constexpr std::size_t max_content_bytes = 16 << 20;
    static constexpr std::uint64_t small_file = 16 * 1024;

    const FileEntry* find(const std::string& key, std::chrono::steady_clock::time_point now) {
        auto it = entries_.find(key);
        if (it == entries_.end()) {
            return nullptr;
        }
        if (it->second.expires <= now) {
            drop(it);
            return nullptr;
        }
        return &it->second;
    }

    // Whether the bytes of a file of that size may be kept too.
    bool room_for(std::uint64_t size) const {
        return size <= small_file && content_bytes_ + size <= max_content_bytes;
    }

    void forget(const std::string& key) {
        if (auto it = entries_.find(key); it != entries_.end()) {
            drop(it);
        }
    }

    void put(const std::string& key, FileEntry entry) {
        if (entries_.size() >= max_entries) {
            entries_.clear(); // rare; simpler and cheaper than tracking recency
            content_bytes_ = 0;
        }
        if (auto it = entries_.find(key); it != entries_.end()) {
            drop(it);
        }
        content_bytes_ += entry.content ? entry.content->size() : 0;
        entries_.emplace(key, std::move(entry));
    }

private:
    void drop(std::unordered_map<std::string, FileEntry>::iterator it) {
        content_bytes_ -= it->second.content ? it->second.content->size() : 0;
        entries_.erase(it);
    }

    std::unordered_map<std::string, FileEntry> entries_;
    std::size_t content_bytes_ = 0;
};

} // namespace quire::handlers
