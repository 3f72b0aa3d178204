// Small rules shared by the backends so that they agree on semantics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store.hpp"

namespace quire::storage {

// Evaluates If-Match / If-None-Match against the current etag (nullopt: no resource).
Result<void> check_precondition(const Precondition& pre, const std::optional<std::string>& etag);

// Validates a copy or move target: not the source itself, not inside the source.
Result<void> check_copy_target(std::string_view from, std::string_view to);

// Folds a log of (path, kind) in order into one change per path, the way a tree diff between
// the two end points would see it: added then removed vanishes, removed then added is modified.
// Only when the path was a collection at one end and a document at the other (by the flags of
// its first and last change) does it give two: the old one removed, then the new one added.
// Only removals keep the flag in what it returns.
std::vector<Change> coalesce(const std::vector<Change>& log);

// Of the changes of one batch that is logged at once (no sync token can fall inside it), a
// path's first and last, in their order: coalesce() looks at nothing else of a path between
// two tokens, so every window that contains the whole batch folds the same.
std::vector<Change> first_and_last_per_path(std::vector<Change> batch);

// Sync tokens of the log-based backends: "<store id>-<sequence>". A token of another store
// or from beyond the current sequence is invalid (RFC 6578 section 3.2).
std::string make_token(std::string_view store_id, std::int64_t seq);
Result<std::int64_t> parse_token(std::string_view token, std::string_view store_id,
                                 std::int64_t current);
// A new random store id for those tokens: 16 hex digits.
std::string new_store_id();

// Hidden property namespace for metadata the backends keep beside dead properties.
inline constexpr std::string_view internal_ns = "urn:x-quire:internal";

// Streaming SHA-256, hex output; used for content-addressed etags.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, std::size_t size);
    std::string hex();

private:
    void* ctx_;
};

} // namespace quire::storage
