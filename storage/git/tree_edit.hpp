// Builds a new git tree from a base tree and a list of edits, rewriting only the trees on the
// edited paths (the rest is shared by id).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "handles.hpp"

namespace quire::storage::git {

struct TreeItem {
    git_oid id;
    git_filemode_t mode;
};

struct Edit {
    std::vector<std::string> segments; // path below the root, never empty
    std::optional<TreeItem> item;      // nullopt removes the entry
};

// Applies the edits in order. A tree below the root left empty by removals keeps a marker
// blob (`marker`), so that a collection never vanishes because its last member went.
Result<git_oid> apply_edits(git_repository* repo, const git_tree* base,
                            const std::vector<Edit>& edits, const git_oid& marker);

} // namespace quire::storage::git
