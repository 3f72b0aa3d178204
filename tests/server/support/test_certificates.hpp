// Self-signed certificates made at test time with the openssl command.
#pragma once

#include "test_server.hpp"

#include <string>

namespace quire::test {

// Writes DIR/NAME.pem (a certificate for the DNS name NAME, valid two days) and DIR/NAME.key
// (its private key, RSA 2048, unencrypted).
void make_certificate(const TempDir& dir, const std::string& name);

} // namespace quire::test
