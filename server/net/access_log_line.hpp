// One access log line in the Combined Log Format (Apache's "combined").
#pragma once

#include "http/request.hpp"

#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace quire::net {

std::string combined_log_line(const asio::ip::tcp::endpoint& peer, const std::string& user,
                              const http::RequestHead& request, int status,
                              std::uint64_t body_bytes);

// The line for a request refused before its head could be parsed (400, 414, 431, 505, ...):
// its first line as received, escaped, and "-" for what was not read (as Apache logs them).
std::string refused_request_log_line(const asio::ip::tcp::endpoint& peer,
                                     std::string_view request_line, int status,
                                     std::uint64_t body_bytes);

// The first line of what a client sent (up to CR or LF), at most 1 KiB of it for the log.
std::string first_line_of(std::string_view received);

} // namespace quire::net
