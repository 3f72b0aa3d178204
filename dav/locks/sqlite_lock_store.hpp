// A LockStore in one SQLite table (WAL mode), so locks survive a restart and can be shared by
// processes that open the same file.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dav/locks/lock_store.hpp"

namespace quire::dav {

// Opens (creating) the lock table in file; ":memory:" gives a private in-memory store. now() is
// injectable for tests. durable: every change is on disk before it is answered (fsync of the
// WAL, synchronous=FULL), so a granted lock survives a power loss as the store's data does;
// otherwise a crash of the process keeps it, a power loss may not (synchronous=NORMAL).
LockResult<std::unique_ptr<LockStore>> open_sqlite_lock_store(
    const std::string& file,
    std::function<std::chrono::system_clock::time_point()> now = std::chrono::system_clock::now,
    bool durable = true);

} // namespace quire::dav
