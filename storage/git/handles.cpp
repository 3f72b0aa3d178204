#include "handles.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace quire::storage::git {

Libgit2::Libgit2() {
    git_libgit2_init();
    // Objects and refs reach the disk before a commit is reported (idempotent setting).
    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
    // A collection of 10,000 members is a tree of ~400 KiB; the default cache limit (4 KiB)
    // would parse it again on every read.
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, std::size_t{16} << 20);
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT, std::size_t{64} << 10);
}

Libgit2::~Libgit2() {
    git_libgit2_shutdown();
}

Error git_error(int rc, std::string_view what) {
    const ::git_error* e = git_error_last();
    std::string detail = e && e->message ? e->message : "unknown libgit2 error";
    std::string message = std::string(what) + ": " + detail;
    if (detail.find("No space left") != std::string::npos ||
        detail.find("quota exceeded") != std::string::npos)
        return {Errc::insufficient_storage, std::move(message)};
    if (errno == ENOSPC) {
        // libgit2's last message may be an older one of its own (a lookup that missed): the
        // full disk is what stopped this step.
        return {Errc::insufficient_storage,
                std::string(what) + ": " + std::strerror(ENOSPC) + " (libgit2: " + detail + ")"};
    }
    switch (rc) {
    case GIT_ENOTFOUND:
        return {Errc::not_found, std::move(message)};
    case GIT_ELOCKED:
        return {Errc::locked, std::move(message)};
    case GIT_EEXISTS:
        return {Errc::exists, std::move(message)};
    case GIT_EMODIFIED:
        return {Errc::conflict, std::move(message)};
    default:
        return {Errc::io, std::move(message)};
    }
}

} // namespace quire::storage::git
