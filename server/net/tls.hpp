// TLS contexts (OpenSSL through asio::ssl): TLS 1.2 and 1.3 only, ALPN http/1.1, and SNI
// choosing the certificate of the matching virtual host.
#pragma once

#include "config/config.hpp"

#include <memory>
#include <string>
#include <vector>

#include <asio/ssl/context.hpp>
#include <tl/expected.hpp>

namespace quire::net {

// Why a certificate chain and its private key cannot serve, and which of the two files is at
// fault (a configuration error names that file's line).
struct KeyPairError {
    enum class File { cert, key };
    File file;
    std::string message; // "PATH: cannot load the certificate chain: ..."
};

// Loads the pair as a TLS context does (`quire check-config` reports what `run` would refuse).
tl::expected<void, KeyPairError> check_key_pair(const std::string& cert, const std::string& key);

// The contexts of one TLS listener: its default certificate, plus one context per virtual
// host that has its own certificate (picked by SNI during the handshake).
class TlsContexts {
public:
    static tl::expected<std::unique_ptr<TlsContexts>, std::string>
    create(const config::Listener& listener, const core::Router& router);

    asio::ssl::context& main() { return *main_; }

private:
    TlsContexts() = default;
    // SNI picks the host's context as the ClientHello arrives, before OpenSSL decides on
    // resuming a session: each context has its own session id context, so a session made
    // for one name is not resumed for another (RFC 6066 section 3).
    static int on_client_hello(SSL* ssl, int* alert, void* arg);
    // Acknowledges the name (the context was picked above).
    static int on_server_name(SSL* ssl, int* alert, void* arg);
    void select(SSL* ssl, std::string host) const;

    std::unique_ptr<asio::ssl::context> main_;
    struct Named {
        std::vector<std::string> names;
        std::unique_ptr<asio::ssl::context> context;
    };
    std::vector<Named> named_;
};

} // namespace quire::net
