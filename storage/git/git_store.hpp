// The git backend: a bare repository where every mutating call is exactly one commit.
#pragma once

#include <memory>
#include <string>

#include "../store.hpp"

namespace quire::storage::git {

struct Options {
    std::string branch = "main";
    // Open the existing repository without writing anything to it, on any file system: no
    // quire.lock (a private stand-in), no object written (the empty blob's id is computed),
    // not_found when there is none. Reads go through libgit2 as usual. Wrap such a store in
    // storage::read_only (read_only_store.hpp): its writes must never be called.
    bool read_only = false;
};

// Opens the bare repository at `dir`, creating it when missing (unless read_only).
Result<std::unique_ptr<Store>> open(const std::string& dir, Options options);

} // namespace quire::storage::git
