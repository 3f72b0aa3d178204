// Names that quick PUTs recently found taken, so that the next PUT to one of them does not
// first try a rename that must fail.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string_view>

namespace quire::storage::fs {

// A PUT to a free name is renamed into place with RENAME_NOREPLACE, without a look first; on a
// taken name that rename fails (EEXIST) after a whole path lookup, and the PUT then looks and
// renames over it. Clients that save the same document again and again (editors, sync tools)
// would pay that every time: a name remembered here is looked at first. A wrong guess (a
// slot shared by two names, a name removed meanwhile) changes only the order of the calls,
// never the result. Direct-mapped, a hash per slot; not thread-safe (the store guards it
// with its writer lock).
class TakenNames {
public:
    bool likely(std::string_view path) const {
        const std::size_t h = hash_of(path);
        return slots_[h % slots_.size()] == h;
    }

    void seen(std::string_view path, bool taken) {
        const std::size_t h = hash_of(path);
        std::size_t& slot = slots_[h % slots_.size()];
        if (taken)
            slot = h;
        else if (slot == h)
            slot = 0;
    }

private:
    // Never 0, which marks an empty slot.
    static std::size_t hash_of(std::string_view path) {
        return std::hash<std::string_view>{}(path) | 1;
    }

    std::array<std::size_t, 512> slots_{};
};

} // namespace quire::storage::fs
