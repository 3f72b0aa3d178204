// Two [[listen]] tables that would want the same socket (the second cannot bind).
#pragma once

#include "config.hpp"

#include <string>

namespace quire::config {

// The same address and port, or an address and the wildcard of its family on one port ("*",
// "0.0.0.0" for IPv4, "::" for IPv6; IPv6 listeners are v6-only, so "0.0.0.0" and "::" do not
// clash). Port 0 (a port the kernel picks) never clashes.
bool listeners_clash(const Listener& a, const Listener& b);

// "127.0.0.1:8080", "[::1]:8080", "*:80": a listener's address as a message shows it.
std::string listen_address_text(const Listener& l);

} // namespace quire::config
