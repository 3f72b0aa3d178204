// The content handlers a mount can name in the configuration ("handler = ..."). Each handler
// reads its own options from the mount's table; adding a handler touches this registry only.
#pragma once

#include "config/table_reader.hpp"
#include "core/handler.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace quire::handlers {

// Builds the handler from the mount's table (reporting errors through it); nullptr on error.
using Factory = std::shared_ptr<core::Handler> (*)(config::TableReader& mount);

// The factory for a handler name, or nullptr when there is none.
Factory find_factory(std::string_view name);
// "static, ..." for messages.
std::string handler_names();

} // namespace quire::handlers
