// The cert and key of a [[listen]] or a [[vhost]] table, checked on their own lines.
#pragma once

#include "table_reader.hpp"

#include <string>

namespace quire::config {

// Each file given must exist, and a pair must load as a TLS context loads it (a certificate
// chain in PEM, its matching private key): what the server would refuse at start is reported
// on the cert or key line, by `check-config` and `run` alike.
void check_tls_files(TableReader& table, const std::string& cert, const std::string& key);

} // namespace quire::config
