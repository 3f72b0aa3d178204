// The fs backend's quick journal (<root>/.quire/journal), used when the store is not durable.
//
// A PUT, and a MOVE of a document to a free name, record what they do here instead of
// committing a SQLite transaction each (which cost more than the rest of the request): the
// record is written into a shared mapping of a preallocated file, no system call. The next
// write transaction of any process on the folder, or a reader of properties or of the change
// log, folds the records into meta.db in their order, in one transaction, and clears the
// journal. Records survive a crash of the process (the kernel keeps the pages), not a power
// loss; a durable store commits each operation to meta.db instead.
//
// Under the store's writer lock, an operation appends its record as pending (it becomes
// visible when `used` covers it, before any file is touched), does its file work, and marks
// the record done or cancelled. Only the last record can still be pending: its process died
// in between, and the next holder of the writer lock settles it from what is on disk.
//
// Folding happens exactly once per epoch: the fold commits the epoch it applied to meta.db,
// and clear() (after the commit) empties the journal and starts a new epoch in one store; a
// fold that finds its epoch committed already (a crash between the commit and clear()) only
// clears.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../store.hpp"

namespace quire::storage::fs {

enum class JournalOp : std::uint8_t { put = 1, move = 2 };
enum class JournalState : std::uint8_t { pending = 0, done = 1, cancelled = 2 };

struct JournalRecord {
    JournalOp op = JournalOp::put;
    JournalState state = JournalState::pending;
    bool created = false;     // put: the name was free before
    std::uint64_t inode = 0;  // put: the new body; move: the moved document
    std::string_view path;    // put: the document; move: the source
    std::string_view to;      // move: the destination
    std::string_view type;    // put: its media type ("": the default, none recorded)
    std::string_view staging; // put: the hidden name the body may have had before its rename
};

class Journal {
public:
    static constexpr std::uint32_t default_capacity = 256 * 1024;

    // Opens the journal file, creating and preallocating it when it is new (the caller holds
    // the folder's writer lock, so that two processes do not both initialise it). When the file
    // system cannot preallocate it (full, or no fallocate) the journal is off: enabled() is
    // false and nothing is journalled. A file that is not a journal is an error, not
    // overwritten: it may hold records not folded yet.
    static Result<Journal> open(const std::string& file, std::uint32_t capacity = default_capacity);

    // Whether the journal file holds records not folded into meta.db yet; reads it without
    // opening it for writing (a read-only store, which folds nothing). False when it cannot
    // tell (no file, not a journal).
    static bool has_records(const std::string& file);

    Journal() = default; // off: nothing journalled, always empty
    Journal(Journal&& other) noexcept;
    Journal& operator=(Journal&& other) noexcept;
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;
    ~Journal();

    bool enabled() const { return base_ != nullptr; }
    // Whether no record waits to be folded. Callers without the writer lock may use it as a
    // hint: a record appended after it answered belongs to a write after that point.
    bool empty() const;

    // The rest only under the writer lock.
    std::uint32_t epoch() const;
    // Appends a pending record; nullopt when it does not fit (or the journal is off).
    std::optional<std::uint32_t> append(const JournalRecord& record);
    void finish(std::uint32_t at, bool done);
    // The last record, when it is still pending (its process died while it was).
    std::optional<std::pair<std::uint32_t, JournalRecord>> pending_tail() const;
    // Every record, in order; views into the mapping, valid until clear(). A record that does
    // not parse is an error naming the file and the offset.
    Result<std::vector<JournalRecord>> records() const;
    // After the fold committed: no records, and a new epoch.
    void clear();

private:
    Journal(std::string file, unsigned char* base, std::uint32_t size)
        : file_(std::move(file)), base_(base), size_(size) {}
    JournalRecord record_at(std::uint32_t at) const;

    std::string file_;
    unsigned char* base_ = nullptr; // the mapping: header, then records
    std::uint32_t size_ = 0;        // bytes mapped
};

} // namespace quire::storage::fs
