// The GET answers of documents a worker served lately, ready to send: the Content-Type, ETag
// and Last-Modified lines (core::PreparedFields) and the body as the store keeps it in memory.
// A hit costs no store lookup, no string formatting and no copies. Answers are kept only from
// a store that tells its read generation (storage::Store::read_generation), count only while
// it stays the same (any write moves it), and never longer than the store keeps its own copy
// (storage::Opened::fresh_until). One per worker thread (core::WorkerLocals): no locking.
#pragma once

#include "core/response.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace quire::dav {

class GetAnswers {
public:
    using Clock = std::chrono::steady_clock;
    // Bodies are those the store holds anyway (shared, not copied): small files only. An
    // answer may outlive the store's own entry until it is looked up again, so the bytes it
    // keeps alive are bounded too.
    static constexpr std::size_t max_entries = 1024;
    static constexpr std::size_t max_bytes = 4u << 20;

    struct Answer {
        std::shared_ptr<const core::PreparedFields> fields;
        std::shared_ptr<const std::string> bytes;
    };

    // The answer for a store path, or null when there is none that counts now.
    const Answer* find(const std::string& path, std::uint64_t generation, Clock::time_point now);
    // Remembers an answer read under `generation` (taken before the read: an answer read
    // across a write is then dropped at the next find), valid until `expires`.
    void remember(const std::string& path, Answer answer, std::uint64_t generation,
                  Clock::time_point expires);

private:
    void clear();

    struct Entry {
        Answer answer;
        Clock::time_point expires;
    };
    // All entries were read under one generation: a newer one makes them all stale at once.
    std::uint64_t generation_ = 0;
    std::unordered_map<std::string, Entry> entries_;
    std::size_t bytes_ = 0; // of the bodies in entries_
};

} // namespace quire::dav
