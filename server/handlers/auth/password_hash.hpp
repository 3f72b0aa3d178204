// The password hashes an htpasswd file may hold, and checking a password against one.
// Accepted: bcrypt ($2y$, $2b$, $2a$), SHA-256/512 crypt ($5$, $6$), Apache MD5 ($apr1$) and
// {SHA}. Plaintext, classic DES crypt and anything unrecognised are refused: such an entry
// never matches.
#pragma once

#include <string_view>

namespace quire::handlers {

enum class HashKind { bcrypt, sha_crypt, apr1, sha1, refused };

// The kind of a stored hash, from its prefix.
HashKind classify_hash(std::string_view hash);
// "bcrypt", "SHA-crypt", ... for messages.
std::string_view hash_kind_name(HashKind kind);

// True when password hashes to hash. CPU-heavy for bcrypt (by design): call it off the
// connection's thread. The final comparison takes constant time.
bool verify_password(std::string_view hash, std::string_view password);

} // namespace quire::handlers
