// Orders LOCKs and writes to the same names within a mount (RFC 4918 sections 6, 7, 9.10).
// A write looks at the lock table, changes the store and, for DELETE and MOVE, then removes
// the locks of what it removed. A LOCK granted in between would be ignored by that write (its
// token never asked for: a change under a lock its holder did not make) or removed by it (the
// holder's lock gone, its UNLOCK a 409). So a LOCK waits until no write at its root, above it
// or below it is in flight, and such writes wait while it is granted. Requests of one mount
// in this process are ordered; another process writing the same store is not.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace quire::dav {

class WriteGate {
public:
    // Held for as long as the write or LOCK runs; leaving lets the others on.
    class Pass {
    public:
        Pass() = default;
        Pass(Pass&& other) noexcept;
        Pass& operator=(Pass&& other) noexcept;
        Pass(const Pass&) = delete;
        Pass& operator=(const Pass&) = delete;
        ~Pass();

    private:
        friend class WriteGate;
        Pass(WriteGate* gate, std::uint64_t id) : gate_(gate), id_(id) {}
        WriteGate* gate_ = nullptr;
        std::uint64_t id_ = 0;
    };

    // A write to `paths` (a MOVE: source and destination): waits while a LOCK at, above or
    // below any of them is waiting or being granted.
    Pass write(std::vector<std::string> paths);
    // The same, or nullopt at once where a LOCK is in the way (for an event loop's thread).
    std::optional<Pass> try_write(std::vector<std::string> paths);
    // A LOCK at `root`: keeps new writes there out at once, then waits for those in flight
    // (and for LOCKs there that came first).
    Pass lock(std::string root);

private:
    struct Entry {
        std::uint64_t id;
        std::vector<std::string> paths;
        bool lock;
    };

    // A LOCK's entry stands in the way of this write.
    bool write_blocked(const std::vector<std::string>& paths) const;
    // A write, or an earlier LOCK, stands in the way of this LOCK.
    bool lock_blocked(const Entry& lock) const;
    void leave(std::uint64_t id);

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Entry> entries_;
    std::uint64_t next_id_ = 1;
};

} // namespace quire::dav
