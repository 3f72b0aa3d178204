// Space set aside beside a store's metadata for the writes that free space. A DELETE needs a
// little room to record itself (the fs store's intent and change-log rows, the sqlite store's
// WAL frames, the git store's new tree and commit); on a disk that something else filled to
// the last byte it would fail with 507, and no client could ever free space over WebDAV. The
// reserve is a preallocated file that a DELETE on a nearly full disk gives back first, and that
// is made again once there is room.
#pragma once

#include <cstdint>
#include <string>

namespace quire::storage {

// Bytes free to an unprivileged writer on the file system holding `folder`; 0 when it cannot
// be told.
std::uint64_t free_bytes_at(const std::string& folder);

class SpaceReserve {
public:
    static constexpr std::uint64_t default_size = 1u << 20;

    SpaceReserve() = default; // none: release and replenish do nothing
    explicit SpaceReserve(std::string file, std::uint64_t size = default_size);

    // Makes the reserve when it is missing and the file system has room for it twice over;
    // best effort (a full disk, or a file system without fallocate, leaves it missing).
    void replenish() const;
    // Gives the reserve's space back when the file system has less than its size free.
    void release_if_low() const;

private:
    std::string file_;
    std::uint64_t size_ = 0;
};

} // namespace quire::storage
