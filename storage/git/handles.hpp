// RAII owners for libgit2 handles, the library's process-wide init as a ref-counted guard, and
// the mapping of libgit2 failures to typed errors.
#pragma once

#include <memory>
#include <string_view>

#include <git2.h>

#include "../error.hpp"

namespace quire::storage::git {

// git_libgit2_init/shutdown count references inside libgit2; each store holds one guard so
// the library lives exactly as long as some store uses it. No global state of our own.
class Libgit2 {
public:
    Libgit2();
    ~Libgit2();
    Libgit2(const Libgit2&) = delete;
    Libgit2& operator=(const Libgit2&) = delete;
};

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};

template <class T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using RepoPtr = Handle<git_repository, git_repository_free>;
using TreePtr = Handle<git_tree, git_tree_free>;
using TreeEntryPtr = Handle<git_tree_entry, git_tree_entry_free>;
using CommitPtr = Handle<git_commit, git_commit_free>;
using BlobPtr = Handle<git_blob, git_blob_free>;
using RefPtr = Handle<git_reference, git_reference_free>;
using SignaturePtr = Handle<git_signature, git_signature_free>;
using BuilderPtr = Handle<git_treebuilder, git_treebuilder_free>;
using DiffPtr = Handle<git_diff, git_diff_free>;
using RevwalkPtr = Handle<git_revwalk, git_revwalk_free>;
using OdbPtr = Handle<git_odb, git_odb_free>;

// A libgit2 failure as a typed error (a full disk becomes insufficient_storage).
Error git_error(int rc, std::string_view what);

} // namespace quire::storage::git
