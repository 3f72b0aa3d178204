// Persistent WebDAV locks (RFC 4918 sections 6, 7, 9.10) behind an interface, so that a
// multi-node deployment can keep them in a shared database later.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace quire::dav {

enum class LockScope { exclusive, shared };

struct Lock {
    std::string token; // "urn:uuid:..."
    std::string root;  // the locked path, "/a/b" ("/" is the root)
    LockScope scope = LockScope::exclusive;
    bool infinite = false;
    std::string owner_xml;
    std::string principal;
    std::chrono::system_clock::time_point expires;
    std::chrono::seconds timeout{0};
};

struct LockRequest {
    std::string root;
    LockScope scope = LockScope::exclusive;
    bool infinite = false;
    std::string owner_xml;
    std::string principal;
    std::chrono::seconds timeout{0};
};

enum class LockErrc { conflict, not_found, io };
struct LockError {
    LockErrc code;
    std::string message;
    std::string conflicting_root;
};
template <class T = void>
using LockResult = tl::expected<T, LockError>;

class LockStore {
public:
    virtual ~LockStore() = default;
    virtual LockResult<Lock> create(const LockRequest&) = 0;
    virtual LockResult<Lock> refresh(std::string_view token, std::string_view path,
                                     std::chrono::seconds timeout) = 0;
    virtual LockResult<void> remove(std::string_view token) = 0;
    virtual LockResult<std::optional<Lock>> find(std::string_view token) = 0;
    virtual LockResult<std::vector<Lock>> covering(std::string_view path) = 0;
    virtual LockResult<std::vector<Lock>> within(std::string_view path) = 0;
    virtual LockResult<void> remove_within(std::string_view path) = 0;
};

LockResult<std::unique_ptr<LockStore>>
open_sqlite_lock_store(const std::string& file, std::function<std::chrono::system_clock::time_point()>
                                                    now = std::chrono::system_clock::now);

} // namespace quire::dav
