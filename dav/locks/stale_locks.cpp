#include "stale_locks.hpp"

namespace quire::dav {

LockResult<std::size_t> drop_locks_without_resource(LockStore& locks, storage::Store& store) {
    auto all = locks.within("/");
    if (!all)
        return tl::unexpected(all.error());
    std::size_t dropped = 0;
    for (const auto& lock : *all) {
        auto meta = store.stat_basic(lock.root);
        if (meta || meta.error().code != storage::Errc::not_found)
            continue; // there, or the store cannot tell now: kept
        auto removed = locks.remove(lock.token);
        if (!removed && removed.error().code != LockErrc::not_found)
            return tl::unexpected(removed.error());
        dropped += removed ? 1 : 0;
    }
    return dropped;
}

} // namespace quire::dav
