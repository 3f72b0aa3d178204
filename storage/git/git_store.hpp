// The git backend: a bare repository where every mutating call is exactly one commit.
#pragma once

#include <memory>
#include <string>

#include "../store.hpp"

namespace quire::storage::git {

struct Options {
    std::string branch = "main";
};

// Opens the bare repository at `dir`, creating it when missing.
Result<std::unique_ptr<Store>> open(const std::string& dir, Options options);

} // namespace quire::storage::git
