#include "password_hash.hpp"

#include <cstring>
#include <memory>
#include <string>

#include <apr_md5.h>
#include <apr_sha1.h>
#include <crypt.h>
#include <openssl/crypto.h>

namespace quire::handlers {

namespace {

bool equal_constant_time(std::string_view a, std::string_view b) {
    // The lengths of well-formed hashes of one kind are fixed, so comparing them first tells
    // nothing about the password.
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// crypt(3) from libxcrypt; the stored hash is the setting (it carries algorithm, cost, salt).
bool verify_crypt(std::string_view hash, std::string_view password) {
    const std::string h(hash);
    const std::string p(password);
    if (p.find('\0') != std::string::npos) {
        return false;
    }
    auto data = std::make_unique<crypt_data>(); // about 32 KiB, zeroed as crypt_rn wants
    const char* out = ::crypt_rn(p.c_str(), h.c_str(), data.get(), sizeof(crypt_data));
    // libxcrypt answers a failure with NULL or with a string starting with '*'.
    if (!out || out[0] == '*') {
        return false;
    }
    const bool ok = equal_constant_time(out, hash);
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
    return ok;
}

bool verify_apr1(std::string_view hash, std::string_view password) {
    const std::string h(hash);
    const std::string p(password);
    char out[120];
    if (::apr_md5_encode(p.c_str(), h.c_str(), out, sizeof out) != 0) {
        return false;
    }
    const bool ok = equal_constant_time(out, hash);
    OPENSSL_cleanse(out, sizeof out);
    return ok;
}

bool verify_sha1(std::string_view hash, std::string_view password) {
    char out[APR_SHA1PW_IDLEN + 29]; // "{SHA}" + base64 of 20 bytes + NUL
    ::apr_sha1_base64(password.data(), static_cast<int>(password.size()), out);
    return equal_constant_time(out, hash);
}

} // namespace

HashKind classify_hash(std::string_view hash) {
    if (hash.starts_with("$2y$") || hash.starts_with("$2b$") || hash.starts_with("$2a$")) {
        return HashKind::bcrypt;
    }
    if (hash.starts_with("$5$") || hash.starts_with("$6$")) {
        return HashKind::sha_crypt;
    }
    if (hash.starts_with("$apr1$")) {
        return HashKind::apr1;
    }
    if (hash.starts_with(APR_SHA1PW_ID)) {
        return HashKind::sha1;
    }
    return HashKind::refused;
}

std::string_view hash_kind_name(HashKind kind) {
    switch (kind) {
    case HashKind::bcrypt:
        return "bcrypt";
    case HashKind::sha_crypt:
        return "SHA-crypt";
    case HashKind::apr1:
        return "apr1";
    case HashKind::sha1:
        return "{SHA}";
    case HashKind::refused:
        break;
    }
    return "refused";
}

bool verify_password(std::string_view hash, std::string_view password) {
    switch (classify_hash(hash)) {
    case HashKind::bcrypt:
    case HashKind::sha_crypt:
        return verify_crypt(hash, password);
    case HashKind::apr1:
        return verify_apr1(hash, password);
    case HashKind::sha1:
        return verify_sha1(hash, password);
    case HashKind::refused:
        break;
    }
    return false;
}

} // namespace quire::handlers
