#include "tls.hpp"

#include "core/router.hpp"

#include <fstream>
#include <string_view>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

namespace quire::net {

namespace {

// RFC 7301: we speak only http/1.1. A client that offers ALPN without it (only h2, say) gets
// the fatal no_application_protocol alert (section 3.2), not a connection it cannot use; one
// that offers no ALPN at all is not asked.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, http11, sizeof http11, in, inlen) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// OpenSSL would ask for a pass phrase on the terminal (and wait for ever without one): Quire
// reads none, an encrypted key fails to load.
int no_pass_phrase(char*, int, int, void*) {
    return 0;
}

bool is_encrypted_pem(const std::string& file) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find("ENCRYPTED") != std::string::npos) {
            return true; // "BEGIN ENCRYPTED PRIVATE KEY" or "Proc-Type: 4,ENCRYPTED"
        }
    }
    return false;
}

// `context_id` tells the contexts of one listener apart (its own, each host's): a session is
// resumed only in the context that made it, so a client that names another host (SNI) gets a
// full handshake and that host's certificate (RFC 6066 section 3).
tl::expected<std::unique_ptr<asio::ssl::context>, KeyPairError>
make_context(const std::string& cert, const std::string& key, std::string_view context_id) {
    using File = KeyPairError::File;
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // TLS 1.2: forward secrecy and AEAD only (Mozilla's "intermediate" list): no static RSA key
    // exchange, no CBC. TLS 1.3's suites are all of that kind already.
    SSL_CTX_set_cipher_list(native, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                                    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"
                                    "DHE-RSA-CHACHA20-POLY1305");
    SSL_CTX_set_dh_auto(native, 1);
    SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
    SSL_CTX_set_default_passwd_cb(native, no_pass_phrase);
    SSL_CTX_set_session_id_context(native,
                                   reinterpret_cast<const unsigned char*>(context_id.data()),
                                   static_cast<unsigned>(context_id.size()));
    std::error_code ec;
    ctx->use_certificate_chain_file(cert, ec);
    if (ec) {
        return tl::unexpected(KeyPairError{
            File::cert, cert + ": cannot load the certificate chain: " + ec.message()});
    }
    const auto mismatch = [&] {
        return KeyPairError{File::key,
                            key + ": the private key does not match the first certificate in " +
                                cert + " (the server's own, which comes before its intermediates)"};
    };
    ctx->use_private_key_file(key, asio::ssl::context::pem, ec);
    if (ec && ec.message().find("key values mismatch") != std::string::npos) {
        return tl::unexpected(mismatch());
    }
    if (ec) {
        if (is_encrypted_pem(key)) {
            return tl::unexpected(KeyPairError{
                File::key, key +
                               ": the private key is encrypted, and Quire reads no pass "
                               "phrase; decrypt it: openssl pkey -in " +
                               key + " -out KEY.pem (readable by Quire only)"});
        }
        return tl::unexpected(
            KeyPairError{File::key, key + ": cannot load the private key: " + ec.message()});
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        return tl::unexpected(mismatch());
    }
    return ctx;
}

// Clients refuse a certificate out of its dates: say so at start, where it can be mended.
void warn_if_out_of_date(asio::ssl::context& ctx, const std::string& cert) {
    const X509* x = SSL_CTX_get0_certificate(ctx.native_handle());
    if (!x) {
        return;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
        spdlog::warn("{}: the certificate has expired; clients will refuse it", cert);
    } else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
        spdlog::warn("{}: the certificate is not valid yet; clients will refuse it", cert);
    }
}

} // namespace

tl::expected<void, KeyPairError> check_key_pair(const std::string& cert, const std::string& key) {
    auto ctx = make_context(cert, key, "check");
    if (!ctx) {
        // The check goes on in a process that may use TLS later on this thread: OpenSSL's
        // queue of errors must not outlive it.
        ::ERR_clear_error();
        return tl::unexpected(std::move(ctx.error()));
    }
    return {};
}

tl::expected<std::unique_ptr<TlsContexts>, std::string>
TlsContexts::create(const config::Listener& listener, const core::Router& router) {
    std::unique_ptr<TlsContexts> t(new TlsContexts());
    auto main = make_context(listener.cert, listener.key, "listener");
    if (!main) {
        return tl::unexpected(main.error().message);
    }
    warn_if_out_of_date(**main, listener.cert);
    t->main_ = std::move(*main);
    for (const auto& vh : router.hosts()) {
        if (vh.tls_cert.empty()) {
            continue;
        }
        auto ctx =
            make_context(vh.tls_cert, vh.tls_key, "host " + std::to_string(t->named_.size()));
        if (!ctx) {
            return tl::unexpected(ctx.error().message);
        }
        warn_if_out_of_date(**ctx, vh.tls_cert);
        t->named_.push_back({vh.names, std::move(*ctx)});
    }
    SSL_CTX* main_ctx = t->main_->native_handle();
    SSL_CTX_set_client_hello_cb(main_ctx, &TlsContexts::on_client_hello, t.get());
    SSL_CTX_set_tlsext_servername_callback(main_ctx, &TlsContexts::on_server_name);
    return t;
}

int TlsContexts::on_client_hello(SSL* ssl, int*, void* arg) {
    const unsigned char* p = nullptr;
    std::size_t len = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) != 1) {
        return SSL_CLIENT_HELLO_SUCCESS; // no SNI: the listener's certificate
    }
    // RFC 6066 section 3: a list (2-byte length) of names, each a type byte (0: host_name)
    // and a 2-byte length; clients send one host name. Anything else keeps the listener's.
    if (len < 5 || ((std::size_t{p[0]} << 8) | p[1]) + 2 != len || p[2] != 0) {
        return SSL_CLIENT_HELLO_SUCCESS;
    }
    const std::size_t n = (std::size_t{p[3]} << 8) | p[4];
    if (n == 0 || n + 5 > len) {
        return SSL_CLIENT_HELLO_SUCCESS;
    }
    static_cast<const TlsContexts*>(arg)->select(
        ssl, std::string(reinterpret_cast<const char*>(p + 5), n));
    return SSL_CLIENT_HELLO_SUCCESS;
}

int TlsContexts::on_server_name(SSL*, int*, void*) {
    return SSL_TLSEXT_ERR_OK;
}

void TlsContexts::select(SSL* ssl, std::string host) const {
    if (!host.empty() && host.back() == '.') {
        host.pop_back(); // an absolute name (RFC 6066 leaves the dot out; some clients send it)
    }
    for (auto& c : host) {
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    for (const auto& named : named_) {
        for (const auto& pattern : named.names) {
            if (core::host_matches(pattern, host)) {
                SSL_set_SSL_CTX(ssl, named.context->native_handle());
                return;
            }
        }
    }
}

} // namespace quire::net
