#include "blob.hpp"

#include <string>

namespace quire::storage::sqlite {

Result<Blob> Blob::open(Db& db, std::string_view table, std::string_view column, std::int64_t rowid,
                        bool writable) {
    sqlite3_blob* blob = nullptr;
    std::string t(table), c(column);
    int rc =
        sqlite3_blob_open(db.get(), "main", t.c_str(), c.c_str(), rowid, writable ? 1 : 0, &blob);
    if (rc != SQLITE_OK) {
        if (blob)
            sqlite3_blob_close(blob);
        return tl::unexpected(db_error(db.get(), rc, "open blob"));
    }
    return Blob(db.get(), blob);
}

Result<void> Blob::read(std::span<std::byte> out, std::int64_t offset) {
    int rc = sqlite3_blob_read(blob_, out.data(), static_cast<int>(out.size()),
                               static_cast<int>(offset));
    if (rc != SQLITE_OK)
        return tl::unexpected(db_error(db_, rc, "read blob"));
    return {};
}

Result<void> Blob::write(std::span<const std::byte> in, std::int64_t offset) {
    int rc =
        sqlite3_blob_write(blob_, in.data(), static_cast<int>(in.size()), static_cast<int>(offset));
    if (rc != SQLITE_OK)
        return tl::unexpected(db_error(db_, rc, "write blob"));
    return {};
}

} // namespace quire::storage::sqlite
