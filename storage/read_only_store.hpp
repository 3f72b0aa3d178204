// A store that serves reads and refuses every write: what a share opened read-only (a
// snapshot, read-only media, a mount with read_only = true) is served through. The backend
// underneath is opened with its own read_only option, which makes nothing on disk; this
// wrapper makes sure none of its writes is ever called.
#pragma once

#include <memory>

#include "store.hpp"

namespace quire::storage {

// What every write of a read-only store answers (forbidden: 403 over WebDAV).
inline constexpr std::string_view read_only_message = "the store is open read-only";

// Wraps `inner`: reads are forwarded, writes (put, try_put_now, mkcol, remove, copy, move,
// try_move_now, patch_props) fail with Errc::forbidden without reaching it.
std::unique_ptr<Store> read_only(std::unique_ptr<Store> inner);

} // namespace quire::storage
