#include "listener_clash.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <optional>

namespace quire::config {

namespace {

struct Address {
    int family = AF_INET;
    std::array<unsigned char, sizeof(in6_addr)> bytes{}; // IPv4 in the first four
    bool any = false;                                    // the family's wildcard
};

// The spellings the loader accepts (parse_listen_address) and the server binds
// (net::Server): "*" and "0.0.0.0" are IPv4's wildcard, "::" IPv6's, "localhost" 127.0.0.1.
std::optional<Address> address_of(const std::string& host) {
    Address a;
    if (host == "*") {
        a.any = true;
        return a;
    }
    const std::string literal = host == "localhost" ? "127.0.0.1" : host;
    if (::inet_pton(AF_INET, literal.c_str(), a.bytes.data()) == 1) {
        a.any = std::all_of(a.bytes.begin(), a.bytes.begin() + 4, [](auto b) { return b == 0; });
        return a;
    }
    if (::inet_pton(AF_INET6, literal.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        a.any = std::all_of(a.bytes.begin(), a.bytes.end(), [](auto b) { return b == 0; });
        return a;
    }
    return std::nullopt;
}

} // namespace

bool listeners_clash(const Listener& a, const Listener& b) {
    if (a.port == 0 || a.port != b.port) {
        return false;
    }
    const auto x = address_of(a.host);
    const auto y = address_of(b.host);
    if (!x || !y || x->family != y->family) {
        return false;
    }
    return x->any || y->any || x->bytes == y->bytes;
}

std::string listen_address_text(const Listener& l) {
    const bool v6 = l.host.find(':') != std::string::npos;
    return (v6 ? "[" + l.host + "]" : l.host) + ":" + std::to_string(l.port);
}

} // namespace quire::config
