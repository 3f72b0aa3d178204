// The running configuration: an immutable snapshot built from a TOML file or from the quick
// `quire serve` options. A reload builds a new snapshot and swaps it whole.
#pragma once

#include "core/router.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace quire::config {

struct Timeouts {
    std::chrono::seconds head{10};      // to receive a whole request head (slowloris)
    std::chrono::seconds body_idle{30}; // between two reads of a request body
    std::chrono::seconds keepalive{60}; // an idle persistent connection
    std::chrono::seconds write{60};     // between two writes of a response
    std::chrono::seconds tls_handshake{10};
    std::chrono::seconds grace{10}; // for in-flight requests on SIGTERM/SIGINT
};

struct Limits {
    std::size_t max_target = 8 * 1024;
    std::size_t max_head = 16 * 1024;
    std::size_t max_fields = 100;
    std::uint64_t max_body = 1ull << 30;
    std::size_t max_connections = 20000; // per worker
};

struct Listener {
    std::string host = "127.0.0.1"; // IPv4 or IPv6 literal, or "*" / "::" for all
    std::uint16_t port = 8080;
    bool tls = false;
    std::string cert; // PEM certificate chain (default certificate when SNI matches no vhost)
    std::string key;
    // TCP_NOTSENT_LOWAT of accepted connections: at most this many bytes wait unsent in a
    // connection's socket buffer (0: the kernel's setting, which lets a few MiB queue up).
    std::uint32_t tcp_notsent_lowat = 32 * 1024;
    // TCP_DEFER_ACCEPT, seconds: a connection is accepted when its first bytes arrive (or after
    // about this long without any); 0: at the end of the handshake.
    std::uint32_t tcp_defer_accept = 1;
    std::string where; // "file:line" of its definition, for messages
};

struct Logging {
    std::string access = "off"; // "off", "-" (standard output), or a file path
    std::string error = "-";    // "-" (standard error) or a file path
    std::string level = "info"; // trace, debug, info, warn, error, critical, off
};

struct Config {
    unsigned workers = 0;          // 0: one per core
    unsigned blocking_threads = 4; // pool for blocking work
    Timeouts timeouts;
    Limits limits;
    Logging logging;
    std::vector<Listener> listeners;
    std::shared_ptr<const core::Router> router;
};

} // namespace quire::config
