// Locks whose resource is gone from the store. A process killed between a LOCK's lock and the
// empty document it makes (RFC 4918 section 7.3), or between a DELETE or MOVE and the removal
// of the locks it took along, leaves one behind; so does a resource another program removed.
// Such a lock answers 423 on a name where nothing is, until it expires (a week at most), and
// no client holds a resource it could UNLOCK. A share drops them when it opens, before it
// serves (a live LOCK of another process on the same table could be mid-way then: the case is
// rare and costs only that lock).
#pragma once

#include <cstddef>

#include "dav/locks/lock_store.hpp"
#include "storage/store.hpp"

namespace quire::dav {

// How many were dropped.
LockResult<std::size_t> drop_locks_without_resource(LockStore& locks, storage::Store& store);

} // namespace quire::dav
