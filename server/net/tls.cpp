#include "tls.hpp"

#include "core/router.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

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

tl::expected<std::unique_ptr<asio::ssl::context>, KeyPairError>
make_context(const std::string& cert, const std::string& key) {
    using File = KeyPairError::File;
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
    std::error_code ec;
    ctx->use_certificate_chain_file(cert, ec);
    if (ec) {
        return tl::unexpected(KeyPairError{
            File::cert, cert + ": cannot load the certificate chain: " + ec.message()});
    }
    ctx->use_private_key_file(key, asio::ssl::context::pem, ec);
    if (ec) {
        return tl::unexpected(
            KeyPairError{File::key, key + ": cannot load the private key: " + ec.message()});
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        return tl::unexpected(
            KeyPairError{File::key, key + ": the private key does not match " + cert});
    }
    return ctx;
}

} // namespace

tl::expected<void, KeyPairError> check_key_pair(const std::string& cert, const std::string& key) {
    auto ctx = make_context(cert, key);
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
    auto main = make_context(listener.cert, listener.key);
    if (!main) {
        return tl::unexpected(main.error().message);
    }
    t->main_ = std::move(*main);
    for (const auto& vh : router.hosts()) {
        if (vh.tls_cert.empty()) {
            continue;
        }
        auto ctx = make_context(vh.tls_cert, vh.tls_key);
        if (!ctx) {
            return tl::unexpected(ctx.error().message);
        }
        t->named_.push_back({vh.names, std::move(*ctx)});
    }
    SSL_CTX_set_tlsext_servername_callback(t->main_->native_handle(), &TlsContexts::on_server_name);
    SSL_CTX_set_tlsext_servername_arg(t->main_->native_handle(), t.get());
    return t;
}

int TlsContexts::on_server_name(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<TlsContexts*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) {
        return SSL_TLSEXT_ERR_OK; // no SNI: the listener's certificate
    }
    std::string host(name);
    for (auto& c : host) {
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    for (const auto& named : self->named_) {
        for (const auto& pattern : named.names) {
            if (core::host_matches(pattern, host)) {
                SSL_set_SSL_CTX(ssl, named.context->native_handle());
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

} // namespace quire::net
