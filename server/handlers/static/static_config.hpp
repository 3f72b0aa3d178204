// Reads the static handler's options from a mount table:
//   root = "/srv/www"            (required)
//   index = ["index.html"]       listing = true        follow_symlinks = false
//   cache_control = "max-age=3600"   expires = 3600     precompressed = false
//   mime_types = "/etc/mime.types"   mime = { "md" = "text/markdown" }
#pragma once

#include "config/table_reader.hpp"
#include "core/handler.hpp"

#include <memory>

namespace quire::handlers {

std::shared_ptr<core::Handler> static_handler_from_config(config::TableReader& mount);

} // namespace quire::handlers
