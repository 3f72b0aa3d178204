// WebDAV locks (RFC 4918 sections 6, 7 and 9.10): the lock record and the LockStore provider
// interface, in the spirit of Apache mod_dav's separate lock provider.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace quire::dav {

enum class LockScope { exclusive, shared };

struct Lock {
    std::string token; // "urn:uuid:<random uuid v4>"
    std::string root;  // the locked path, normalised like storage paths: "/a/b", "/" for the root
    LockScope scope = LockScope::exclusive;
    bool infinite = false; // Depth: infinity
    std::string owner_xml; // DAV:owner content as XML, byte for byte (may be empty)
    std::string principal; // authenticated user who took it ("" anonymous)
    std::chrono::system_clock::time_point expires; // whole seconds
    std::chrono::seconds timeout{0};               // as granted

    friend bool operator==(const Lock&, const Lock&) = default;
};

struct LockRequest {
    std::string root;
    LockScope scope = LockScope::exclusive;
    bool infinite = false;
    std::string owner_xml;
    std::string principal;
    std::chrono::seconds timeout{0}; // granted as asked, within [1 s, 100 years]
};

// full: the table's disk is full (507, RFC 4918 section 11.5), io: any other failure (500).
enum class LockErrc { conflict, not_found, full, io };

struct LockError {
    LockErrc code = LockErrc::io;
    std::string message;
    std::string conflicting_root; // for conflict: the root of the lock in the way
};

template <class T = void>
using LockResult = tl::expected<T, LockError>;

// Thread-safe; every call is one transaction. Expired locks are ignored and purged lazily.
// Paths are normalised on the way in (trailing slashes dropped, "" is "/").
class LockStore {
public:
    virtual ~LockStore() = default;

    // Fails with conflict when an unexpired lock is in the way (RFC 4918 6.1, 7): an exclusive
    // lock against any lock, or a shared one against an exclusive one, where "in the way" is the
    // same root, a depth-infinity lock on an ancestor, or (for an infinite request) a lock on a
    // descendant.
    virtual LockResult<Lock> create(const LockRequest& request) = 0;

    // RFC 4918 9.10.2: a new timeout for token. not_found when there is no such unexpired lock
    // or path is not covered by it (its root or, for an infinite lock, below it).
    virtual LockResult<Lock> refresh(std::string_view token, std::string_view path,
                                     std::chrono::seconds timeout) = 0;

    // not_found when absent.
    virtual LockResult<void> remove(std::string_view token) = 0;

    virtual LockResult<std::optional<Lock>> find(std::string_view token) = 0;

    // Locks that cover path: rooted at path, or infinite and rooted at an ancestor.
    virtual LockResult<std::vector<Lock>> covering(std::string_view path) = 0;

    // Locks rooted at path or anywhere below it.
    virtual LockResult<std::vector<Lock>> within(std::string_view path) = 0;

    // True when any unexpired lock exists: one cheap query that lets a request on an unlocked
    // share skip every other lock lookup.
    virtual LockResult<bool> any() = 0;
    // True only when the last any() found no lock and nothing changed the table since:
    // answered from memory, never waits (callable from an event loop's thread).
    virtual bool known_unlocked() { return false; }
    // Removes every lock rooted at path or below (after DELETE or MOVE of a tree).
    virtual LockResult<void> remove_within(std::string_view path) = 0;
};

// Helpers shared by lock store backends.

// "/a/b/" -> "/a/b", "" -> "/", "a" -> "/a".
std::string normalize_lock_path(std::string_view path);
// The same in place: a path already in that form (the usual case) keeps its string.
void normalize_lock_path_in_place(std::string& path);

// True when ancestor is path or one of its ancestors, on segment boundaries: "/a" is an
// ancestor of "/a/b" but not of "/ab"; "/" is the ancestor of every path.
bool is_same_or_ancestor(std::string_view ancestor, std::string_view path);

// A fresh "urn:uuid:" token from a random (version 4) UUID, read from getrandom(2).
LockResult<std::string> new_lock_token();

} // namespace quire::dav
