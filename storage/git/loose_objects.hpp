// libgit2 1.5 (Debian 12's) loops for ever, one thread at full CPU, when it inflates a loose
// object whose file was cut short (libgit2 issue #7342, fixed upstream by #7346): what a
// power cut can leave of an object a git without fsync wrote. So a loose object is inflated
// once here before libgit2 reads it, and refused as damaged when its zlib stream ends early.
// An object found whole is remembered (objects never change), so each costs one pass per
// process; a packed object (no loose file) is left to libgit2.
#pragma once

#include <git2.h>

#include <mutex>
#include <string>
#include <unordered_set>

#include "../error.hpp"

namespace quire::storage::git {

class LooseObjects {
public:
    explicit LooseObjects(std::string objects_dir) : dir_(std::move(objects_dir)) {}

    // Fine when `id` has no loose file or its file inflates whole; else an io error naming it.
    Result<void> check(const git_oid& id);

private:
    std::string dir_;
    std::mutex mutex_;
    std::unordered_set<std::string> whole_; // hex ids
};

} // namespace quire::storage::git
