// Reads a mount's authentication and access options (they apply to any content handler):
//   auth = "basic"   htpasswd = "users.htpasswd"   realm = "Quire"
//   read_only = false   readers = ["alice"]   writers = ["bob"]
#pragma once

#include "config/table_reader.hpp"
#include "core/handler.hpp"

#include <memory>

namespace quire::handlers {

// The handler to put first in the mount's list, or nullptr when the mount sets none of these
// options (or on an error, reported through the reader).
std::shared_ptr<core::Handler> auth_handler_from_config(config::TableReader& mount);

} // namespace quire::handlers
