// Descriptors of the share's folders, kept for the writes that resolve names in them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../fd.hpp"
#include "../shared_counter.hpp"

namespace quire::storage::fs {

// A write below the top of the share resolves its name through a descriptor of the folder,
// opened beneath the root (share_root.hpp); an openat2 and a close cost 2.7 µs here, a
// twentieth of a MOVE. The descriptors are kept: each was inside the share when it was opened
// (a descriptor cannot be redirected later), and one is used only while
//   - the share's folder generation is the one it was opened at: every Quire process on the
//     share bumps it (changed()) when it moves, replaces or removes a folder (a new one
//     invalidates nothing: a kept descriptor of a removed folder fails the check below);
//   - the folder still exists (a removed one has no links), and
//   - for at most `ttl` (a folder that another program moved is seen at its new path after
//     that; until then what is written under the old path lands in it).
// ttl 0: nothing is kept. Thread-safe.
class FolderCache {
public:
    // generation_file: the shared counter (created when missing); ttl as the store's cache_ttl.
    FolderCache(const std::string& generation_file, std::chrono::milliseconds ttl);
    // The counter in a file of this process only (a read-only store: it moves no folder).
    FolderCache(UniqueFd generation_fd, std::chrono::milliseconds ttl);

    using Fd = std::shared_ptr<const UniqueFd>;
    // The kept descriptor of `folder` (a store path), or null. check_links = false leaves out
    // the check that the folder still exists: for a caller that calls removed() when a name
    // it looks for in the folder is missing (a removed folder has none).
    Fd find(const std::string& folder, bool check_links = true);
    // Whether the folder that `fd`, found for `folder`, names was removed; then it is no
    // longer kept.
    bool removed(const std::string& folder, const Fd& fd);
    void keep(const std::string& folder, Fd fd, std::uint64_t generation);
    // Read before opening a folder to keep, and passed to keep().
    std::uint64_t generation() const { return generation_.load(); }
    // A folder was moved, replaced or removed: what is kept may name another one now.
    void changed();

private:
    struct Entry {
        Fd fd;
        std::uint64_t generation = 0;
        std::chrono::steady_clock::time_point expires;
    };
    static constexpr std::size_t max_entries = 256; // then everything goes

    SharedCounter generation_;
    std::chrono::milliseconds ttl_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

} // namespace quire::storage::fs
