// The media types of documents, cached in memory so that a GET or PROPFIND of an fs store does
// not query the metadata database each time. Coherent across processes: every write through
// any Store on the same folder bumps a generation counter kept in a shared memory page (the
// store's lock file), and a reader drops the whole cache when the counter moved.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace quire::storage::fs {

class TypeCache {
public:
    // Maps the first 8 bytes of lock_fd (grown if needed) as the shared generation counter;
    // without it (mmap failed) the cache stays off and every lookup misses.
    explicit TypeCache(int lock_fd);
    ~TypeCache();
    TypeCache(const TypeCache&) = delete;
    TypeCache& operator=(const TypeCache&) = delete;

    // Read the generation before reading the database, and pass it to put().
    std::uint64_t generation() const;
    std::optional<std::string> get(std::string_view path);
    void put(std::string_view path, std::string type, std::uint64_t generation);
    // Called by a writer after its commit, while it still holds the write lock.
    void bump();

private:
    std::uint64_t* shared_ = nullptr; // in the mapped page
    std::mutex mutex_;
    std::uint64_t seen_ = 0; // the generation the entries belong to
    std::unordered_map<std::string, std::string> types_;
};

} // namespace quire::storage::fs
