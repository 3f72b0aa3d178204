// The fs backend's metadata database (<root>/.quire/meta.db): dead properties, content types,
// the change log and the intent journal. Callers hold the transaction.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "../sqlite/db.hpp"
#include "../store.hpp"

namespace quire::storage::fs::meta {

using sqlite::Db;

// Per-connection settings; durable: synchronous=FULL (else NORMAL, still crash-safe in WAL).
Result<void> configure(Db& db, bool durable);
Result<void> migrate(Db& db);
// What a read-only open checks instead of migrating: a schema this Quire reads.
Result<void> check_schema(Db& db);
Result<std::string> store_id(Db& db);

// The quick journal's epoch whose records meta.db holds (journal.hpp); nullopt: none yet.
Result<std::optional<std::uint32_t>> folded_epoch(Db& db);
Result<void> set_folded_epoch(Db& db, std::uint32_t epoch);

Result<std::int64_t> current_seq(Db& db);
// collection: a collection was removed (kept with the kind, see stored_kind).
Result<void> log(Db& db, const std::string& path, ChangeKind kind, bool collection = false);
// The same for many changes, in order: a few rows per statement (a folded journal logs
// thousands; one INSERT each cost 10,000 instructions).
Result<void> log_all(Db& db, std::span<const Change> changes);
Result<std::vector<Change>> log_since(Db& db, std::int64_t since, std::int64_t upto,
                                      const std::string& collection);
// Whether a change to `path` or below was logged with since < seq <= upto.
Result<bool> changed_between(Db& db, std::int64_t since, std::int64_t upto,
                             const std::string& path);

// Properties of one path, internal ones (content type) included.
Result<std::vector<Property>> props_of(Db& db, const std::string& path);
// Properties of every direct member of a collection, keyed by member path: one query.
Result<std::map<std::string, std::vector<Property>>> props_of_members(Db& db,
                                                                      const std::string& parent);
Result<void> set_prop(Db& db, const std::string& path, const PropName& name,
                      const std::string& value);
Result<void> remove_prop(Db& db, const std::string& path, const PropName& name);
Result<void> drop_props(Db& db, const std::string& path); // the whole subtree
// Which of `paths` have a property on them or below them: one statement for all.
Result<std::unordered_set<std::string>> with_props(Db& db, std::span<const std::string_view> paths);
Result<void> move_props(Db& db, const std::string& from, const std::string& to);
Result<void> copy_props(Db& db, const std::string& from, const std::string& to, bool subtree);

// The intent journal: a multi-step file operation (rename, then metadata) is written here
// first, so that a crash between the steps is finished or undone at the next open.
struct Intent {
    std::int64_t id = 0;
    // "put", "mkcol", "remove", "copy"; "move" (properties moved after the renames, written
    // by older versions) or "move1" (properties moved with the journal entry, before them).
    std::string op;
    std::string from;
    std::string to;
    std::string staging;     // a copy's staged tree, or a removed tree's trash name
    std::uint64_t inode = 0; // move1: the moved file; put: the new body (0: written before v4)
    std::int64_t seq = 0;    // the last change the operation logged
    std::optional<std::string> prior; // put: the path's media type before it (none: nullopt)
    std::string prior_etag;           // put: the file it replaces ("": a new name)
};
Result<std::int64_t> add_intent(Db& db, const Intent& intent);
// A put's intent; `prior` is read from the path's `type_prop` property in the same statement.
Result<std::int64_t> add_put_intent(Db& db, const Intent& intent, const PropName& type_prop);
Result<void> drop_intent(Db& db, std::int64_t id);
Result<std::vector<Intent>> intents(Db& db);

} // namespace quire::storage::fs::meta
