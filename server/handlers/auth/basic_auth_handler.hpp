// The authentication and access phase of a mount: HTTP Basic (RFC 7617) against an htpasswd
// file, then read-only / read-write access. It runs first in the mount's handler list: on
// success it sets Exchange::principal and answers Outcome::next so the content handler runs;
// otherwise it answers 401 (with a challenge), 400 (malformed credentials) or 403.
#pragma once

#include "core/handler.hpp"
#include "htpasswd_file.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <tl/expected.hpp>

namespace quire::core {
class Exchange;
}

namespace quire::handlers {

struct AuthOptions {
    std::string htpasswd;        // absolute path; empty: anonymous access (read_only only)
    std::string realm = "Quire"; // shown by browsers in the login prompt
    bool read_only = false;      // no write method for anyone
    // When either list is given, only the users listed get in: readers may read, writers may
    // read and write; other users get 403.
    bool lists = false;
    std::vector<std::string> readers;
    std::vector<std::string> writers;
    // Whether the file's warnings go to the error log at creation: only for the first mount
    // that names the file (the others would repeat them).
    bool warn = true;
};

class BasicAuthHandler final : public core::Handler {
public:
    // Loads the htpasswd file (warnings about refused entries go to the error log); an error
    // when it cannot be read.
    static tl::expected<std::shared_ptr<BasicAuthHandler>, std::string> create(AuthOptions options);

    asio::awaitable<core::Outcome> handle(core::Exchange& ex) override;

    // True for methods that change the resource (everything except GET, HEAD, OPTIONS,
    // PROPFIND and REPORT).
    static bool is_write_method(std::string_view method);

private:
    struct WorkerState;

    BasicAuthHandler() = default;

    asio::awaitable<core::Outcome> authenticate(core::Exchange& ex);
    bool allowed(const std::string& user, bool write) const;
    void challenge(core::Exchange& ex, std::string detail) const;
    // The current file for this worker, re-reading it when its mtime changed (checked at most
    // once a second across all workers).
    void refresh(WorkerState& state);
    void check_file();

    AuthOptions options_;
    std::string challenge_; // the WWW-Authenticate value
    std::set<std::string, std::less<>> readers_;
    std::set<std::string, std::less<>> writers_;

    // Shared by all workers: the newest parsed file and its identity.
    std::mutex mutex_;
    std::shared_ptr<const HtpasswdFile> file_;   // guarded by mutex_
    struct timespec mtime_ {};                   // guarded by mutex_
    off_t file_size_ = -1;                       // guarded by mutex_
    ino_t inode_ = 0;                            // guarded by mutex_
    std::atomic<std::uint64_t> generation_{1};   // bumped on each reload
    std::atomic<std::int64_t> next_check_ms_{0}; // steady clock
};

} // namespace quire::handlers
