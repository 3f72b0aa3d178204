// The fs backend: a plain directory tree that other tools may read (and edit); metadata in
// <root>/.quire/meta.db, a folder that is never listed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "../store.hpp"

namespace quire::storage::fs {

struct Options {
    // fsync bodies and folders, and SQLite synchronous=FULL: a reported write survives a power
    // loss. false still survives a crash of the process (the kernel has the data), like
    // servers that never fsync; writes are then several times faster.
    bool durable = true;
    // How long reads may serve a file's statx data (and a small file's bytes) from memory.
    // Writes through Quire are seen at once (also from other processes on the folder); files
    // edited by other tools are seen after at most this long. Zero: every read asks the disk.
    std::chrono::milliseconds cache_ttl{0};
    // Follow symbolic links that lead out of the share (put there by other programs). Off,
    // every path is resolved beneath the root (share_root.hpp) and such a link is refused.
    bool follow_symlinks = false;
    // Open without writing anything to the folder, on any file system (a snapshot, a
    // read-only mount): no .quire folder is made; an existing .quire/meta.db is read
    // read-only (sqlite::read_only_uri), else the store has no dead properties; the writer
    // lock and the folder counter are private stand-ins, and nothing left by a crash is
    // settled. Wrap such a store in storage::read_only (read_only_store.hpp): its writes must
    // never be called.
    bool read_only = false;
    // Told what a read-only open wants an operator to know (the quick journal holds changes
    // that meta.db does not have yet, so the last changes' properties are not shown).
    std::function<void(const std::string&)> note;
};

Result<std::unique_ptr<Store>> open(const std::string& root, Options options = {});

} // namespace quire::storage::fs
