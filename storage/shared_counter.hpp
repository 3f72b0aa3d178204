// A 64-bit counter in a shared mapping of a file, the same for every process that maps that
// file: writers bump it after they commit, readers compare it with the value their cached data
// was read at, and drop that data when it moved.
#pragma once

#include <cstdint>
#include <string>

namespace quire::storage {

class SharedCounter {
public:
    // Maps the first 8 bytes of fd (growing the file if needed). When that fails the counter
    // is off: enabled() is false, and callers must not cache.
    explicit SharedCounter(int fd);
    // The same on a file of its own, created if missing.
    explicit SharedCounter(const std::string& path);
    // Read-only: maps `path` when it exists and holds a counter (bump() does nothing), else a
    // private counter in memory; creates nothing.
    static constexpr struct ReadOnly {
    } read_only{};
    SharedCounter(const std::string& path, ReadOnly);
    ~SharedCounter();
    SharedCounter(const SharedCounter&) = delete;
    SharedCounter& operator=(const SharedCounter&) = delete;

    bool enabled() const { return value_ != nullptr; }
    std::uint64_t load() const;
    void bump();

private:
    void map(int fd);

    std::uint64_t* value_ = nullptr; // in the mapped page
    bool writable_ = true;           // false: mapped read-only, never bumped
};

} // namespace quire::storage
