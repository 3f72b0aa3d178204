// Schema of the sqlite backend and its migrations (PRAGMA user_version counts them).
#pragma once

#include "db.hpp"

namespace quire::storage::sqlite {

inline constexpr int schema_version = 1;

// Sets the per-connection pragmas every connection needs.
Result<void> configure_connection(Db& db, bool durable);
// Brings the database file up to schema_version, one migration per transaction.
Result<void> migrate(Db& db);
// What a read-only open checks instead of migrating: the schema this Quire reads.
Result<void> check_schema(Db& db);

} // namespace quire::storage::sqlite
