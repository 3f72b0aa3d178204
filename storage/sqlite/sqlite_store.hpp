// The sqlite backend: the whole store in one SQLite database file (WAL mode).
#pragma once

#include <memory>
#include <string>

#include "../store.hpp"

namespace quire::storage::sqlite {

struct Options {
    // Bodies larger than this are spooled to a temporary file and written with incremental
    // blob I/O, so no body larger than this is ever held in memory.
    std::size_t inline_body_limit = 256 * 1024;
    // PRAGMA synchronous=FULL: a reported commit survives a power loss. false (NORMAL) still
    // survives a process crash, and is for bulk loads such as the benchmark's seeding.
    bool durable = true;
    // Open the existing database without writing anything beside it, on any file system:
    // read-only connections (read_only_uri), no reserve file, the changes counter read where
    // it exists (a private one otherwise), no migration (an older schema is refused). Wrap
    // such a store in storage::read_only (read_only_store.hpp): its writes must never be
    // called.
    bool read_only = false;
};

Result<std::unique_ptr<Store>> open(const std::string& file, Options options = {});

} // namespace quire::storage::sqlite
