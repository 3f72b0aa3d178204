// htpasswd entries made by the real tools (apache2-utils' htpasswd, openssl passwd) and the
// Authorization field that presents a user's password, for tests of Basic authentication.
#pragma once

#include <string>

#include <tl/expected.hpp>

namespace quire::test {

// Standard output of a shell command (its trailing line ends removed), or an error naming it
// when it fails (a missing tool).
tl::expected<std::string, std::string> run_tool(const std::string& command);

// "user:hash" from `htpasswd -n -b FLAGS user password`.
tl::expected<std::string, std::string>
htpasswd_line(const std::string& flags, const std::string& user, const std::string& password);

// "user:hash" with `openssl passwd FLAG` ("-5" or "-6": SHA-crypt).
tl::expected<std::string, std::string>
openssl_line(const std::string& flag, const std::string& user, const std::string& password);

// RFC 4648 base64, padded.
std::string base64(const std::string& text);

// "Authorization: Basic ...\r\n" for that user and password.
std::string basic(const std::string& user, const std::string& password);

} // namespace quire::test
