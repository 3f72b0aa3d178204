// RAII owner of an incremental blob handle (sqlite3_blob).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "db.hpp"

namespace quire::storage::sqlite {

class Blob {
public:
    static Result<Blob> open(Db& db, std::string_view table, std::string_view column,
                             std::int64_t rowid, bool writable);
    Blob(Blob&& other) noexcept : db_(other.db_), blob_(std::exchange(other.blob_, nullptr)) {}
    Blob& operator=(Blob&&) = delete;
    Blob(const Blob&) = delete;
    Blob& operator=(const Blob&) = delete;
    ~Blob() {
        if (blob_)
            sqlite3_blob_close(blob_);
    }

    std::int64_t size() const { return sqlite3_blob_bytes(blob_); }
    Result<void> read(std::span<std::byte> out, std::int64_t offset);
    Result<void> write(std::span<const std::byte> in, std::int64_t offset);

private:
    Blob(sqlite3* db, sqlite3_blob* blob) : db_(db), blob_(blob) {}
    sqlite3* db_;
    sqlite3_blob* blob_;
};

} // namespace quire::storage::sqlite
