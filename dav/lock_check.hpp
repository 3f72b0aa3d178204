// Evaluating the If header and the locks a write touches (RFC 4918 sections 7, 10.4). Runs on
// the blocking pool: it reads the store and the lock table.
#pragma once

#include "dav/context.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace quire::dav {

// A part of the namespace a request changes: the resource itself, and its members too when
// with_members (DELETE, MOVE, COPY onto an existing collection).
struct LockScopeToCheck {
    std::string path;
    bool with_members = false;
};

// Why a request may not go on: the status and the body to send.
struct Denial {
    int status = 0;
    std::string body;
    bool xml = false;
};

// Whether a write that ended with this status was refused: an error, or a 207 naming the
// members that kept it from happening.
inline bool is_denial(int status) {
    return status >= 400 || status == 207;
}

// 412 when the If header does not hold for the resources it names.
std::optional<Denial> check_if_header(const Request& r);
// 412 as above, then 423 with DAV:lock-token-submitted when a lock on one of the scopes is
// not matched by a token submitted in the If header (by the principal that holds it).
std::optional<Denial> check_write(const Request& r, std::span<const LockScopeToCheck> scopes);

// The tokens submitted in the If header (empty when none).
std::vector<std::string> submitted(const Request& r);

} // namespace quire::dav

namespace quire::dav {
// Drops the locks on path and below (after DELETE or MOVE); skipped when nothing is locked.
void remove_locks_within(const Request& r, const std::string& path);
// The status for a lock table that failed: 507 when its disk is full, else 500.
int lock_table_status(const LockError& e);
// Sets the response for a denial (XML error body or plain text).
void answer_denial(Request& r, Denial d);
} // namespace quire::dav
