// What reads of an fs store need again and again, cached in memory: the properties of a path
// (media type and dead properties, from the metadata database) and open files with their
// statx data (and the bytes of small files), so that a GET or PROPFIND of a known document
// costs no database query and no open/statx/read/close.
//
// Coherent across processes: every write through any Store on the same folder bumps a
// generation counter kept in a shared memory page (the store's lock file), and a reader drops
// the whole cache when the counter moved. Files edited by other tools, behind Quire's back,
// are seen after at most the time to live of a file entry (as nginx's open_file_cache and
// lighttpd's stat cache); properties live only in the database and need no time to live.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../fd.hpp"
#include "../shared_counter.hpp"
#include "../store.hpp"
#include "files.hpp"

namespace quire::storage::fs {

// A file (or folder: no descriptor) as it was when it was opened.
struct CachedFile {
    FileInfo info;
    std::shared_ptr<const UniqueFd> fd;            // regular files only
    std::shared_ptr<const std::string> content;    // the whole file, when small
    std::chrono::steady_clock::time_point expires; // set by put_file()
};

// A folder's members (with their dead properties) as list() read them.
struct CachedListing {
    std::shared_ptr<const std::vector<Meta>> members;
    std::chrono::steady_clock::time_point expires; // set by put_listing()
};

class MetaCache {
public:
    static constexpr std::size_t max_props = 100000;
    // Files kept, each may hold a descriptor: 4,096, or a quarter of the open-files limit
    // when that is lower (connections and databases need descriptors too).
    static constexpr std::size_t max_files = 4096;
    static constexpr std::size_t max_content_bytes = 16u << 20;
    static constexpr std::uint64_t small_file = 16 * 1024;
    // Members over all cached listings: a Depth: infinity walk of a big tree must not pile
    // its listings up in memory.
    static constexpr std::size_t max_listed = 20000;

    // Maps the first 8 bytes of lock_fd (grown if needed) as the shared generation counter;
    // without it (mmap failed) the cache stays off and every lookup misses. A zero file_ttl
    // keeps no files (only properties).
    MetaCache(int lock_fd, std::chrono::milliseconds file_ttl);
    // A read-only store's: the generation of the lock file read where it exists (writers
    // elsewhere then still empty this cache), a private one otherwise; nothing is created.
    MetaCache(const std::string& lock_file, SharedCounter::ReadOnly,
              std::chrono::milliseconds file_ttl);
    MetaCache(const MetaCache&) = delete;
    MetaCache& operator=(const MetaCache&) = delete;

    // Read the generation before reading the database or the file, and pass it to put_*():
    // what was read before a write committed is then not cached.
    std::uint64_t generation() const;
    void bump(); // by a writer after its commit, while it still holds the write lock

    // Every property of a path, internal ones (the media type) included.
    std::shared_ptr<const std::vector<Property>> props(std::string_view path);
    void put_props(std::string_view path, std::vector<Property> props, std::uint64_t generation);

    std::optional<CachedFile> file(std::string_view path);
    // Forgets a file that was seen to have changed on disk (by another program).
    void drop_file(std::string_view path);
    bool files_enabled() const { return generation_.enabled() && file_ttl_.count() > 0; }
    // Whether the bytes of a file of that size may be kept too.
    bool room_for(std::uint64_t size);
    void put_file(std::string_view path, CachedFile file, std::uint64_t generation);

    // Folder listings live as long as files (they see edits by other tools as late).
    std::shared_ptr<const std::vector<Meta>> listing(std::string_view path);
    void put_listing(std::string_view path, std::shared_ptr<const std::vector<Meta>> members,
                     std::uint64_t generation);

private:
    // Drops everything when another write happened since; call with mutex_ held.
    bool current_locked();

    SharedCounter generation_; // in the store's lock file
    std::chrono::milliseconds file_ttl_;
    std::size_t file_budget_;
    std::mutex mutex_;
    std::uint64_t seen_ = 0; // the generation the entries belong to
    std::unordered_map<std::string, std::shared_ptr<const std::vector<Property>>> props_;
    std::unordered_map<std::string, CachedFile> files_;
    std::size_t content_bytes_ = 0;
    std::unordered_map<std::string, CachedListing> listings_;
    std::size_t listed_ = 0;
};

} // namespace quire::storage::fs
