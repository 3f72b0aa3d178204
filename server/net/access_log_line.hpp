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

} // namespace quire::net
