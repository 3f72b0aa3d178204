// The error log: spdlog's default logger writing to standard error or to a file that SIGHUP
// reopens in place.
#pragma once

#include "config/config.hpp"
#include "log_file.hpp"

#include <memory>
#include <string>

#include <tl/expected.hpp>

namespace quire::net {

// Installs the default spdlog logger; the returned file is reopened on SIGHUP.
tl::expected<std::shared_ptr<LogFile>, std::string> install_error_log(const config::Logging& l);

} // namespace quire::net
