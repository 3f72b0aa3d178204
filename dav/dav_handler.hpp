// The WebDAV handler (RFC 4918 classes 1, 2, 3; RFC 6578 sync-collection; RFC 4331 quota):
// serves one storage::Store on a mount. The server creates it from a mount's options and
// knows it only as a core::Handler.
#pragma once

#include "core/handler.hpp"
#include "dav/locks/lock_store.hpp"
#include "dav/locks/write_gate.hpp"
#include "dav/quota_meter.hpp"
#include "storage/store.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace quire::dav {

struct DavOptions {
    std::shared_ptr<storage::Store> store;
    std::shared_ptr<LockStore> locks;
    // Keeps a LOCK and writes to the same names from interleaving (write_gate.hpp).
    std::shared_ptr<WriteGate> gate = std::make_shared<WriteGate>();
    // PROPFIND Depth: infinity; refused with DAV:propfind-finite-depth when false.
    bool allow_depth_infinity = true;
    // Largest XML request body (PROPFIND, PROPPATCH, LOCK, REPORT); larger ones are 413.
    std::size_t max_xml_body = 1 << 20;
    // PUT bodies up to this size are collected in memory; larger ones are spooled to a file.
    std::size_t max_memory_put = 1 << 20;
    // Folder whose file system answers DAV:quota-available-bytes (statvfs); empty: unknown.
    std::string quota_path;
    // A fixed quota instead (the mount's `quota`), enforced; null: none.
    std::shared_ptr<QuotaMeter> quota;
    std::chrono::seconds default_lock_timeout{600};
    std::chrono::seconds max_lock_timeout{7 * 24 * 3600};
    // Reads run on the connection's thread instead of the blocking pool (set for a store
    // whose capabilities() report fast_reads).
    bool inline_reads = false;
    // Refuse macOS "._name" AppleDouble files and .DS_Store (403) instead of storing them.
    bool refuse_macos_metadata = false;
    // The store was opened read-only (storage::read_only): DAV:quota-available-bytes is 0,
    // as nothing can be added, whatever the file system has free.
    bool read_only_store = false;
};

std::shared_ptr<core::Handler> make_dav_handler(DavOptions options);

} // namespace quire::dav
