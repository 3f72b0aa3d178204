// A share's fixed quota (the mount's `quota`), enforced (RFC 4331 section 6: a write that
// would exceed it is 507 with DAV:quota-not-exceeded) and reported the same on every
// collection (DAV:quota-available-bytes is what the share can still take).
//
// What the share holds is the sum of its documents' sizes. It is counted by a walk of the
// store when first needed, again after a write whose size is not known cheaply (DELETE, MOVE
// over a resource), and at most `recount` after the last count (other programs and other
// Quire processes may write to the store); writes through this handler adjust it in between.
// The quota can be overrun by writes that run at the same moment; never by one alone.
#pragma once

#include "storage/store.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace quire::dav {

// The bytes of the documents at and below path (0 for a missing one).
std::uint64_t bytes_within(storage::Store& store, const std::string& path);

class QuotaMeter {
public:
    using Clock = std::chrono::steady_clock;

    explicit QuotaMeter(std::uint64_t limit,
                        std::chrono::seconds recount = std::chrono::seconds(30))
        : limit_(limit), recount_(recount) {}

    std::uint64_t limit() const { return limit_; }
    // What the share holds now (walks the store when the count is stale).
    std::uint64_t used(storage::Store& store);
    // What it can still take.
    std::uint64_t available(storage::Store& store);
    // Whether a write that adds `adding` bytes and frees `freeing` stays within the quota.
    bool admits(storage::Store& store, std::uint64_t adding, std::uint64_t freeing);
    // After a write of known size through this handler.
    void changed(std::uint64_t added, std::uint64_t freed);
    // After a write of unknown size: the next question counts again.
    void invalidate();

private:
    std::uint64_t used_locked(storage::Store& store);

    const std::uint64_t limit_;
    const std::chrono::seconds recount_;
    std::mutex mutex_;
    std::optional<Clock::time_point> counted_; // when used_ was last counted; none: stale
    std::uint64_t used_ = 0;
};

} // namespace quire::dav
