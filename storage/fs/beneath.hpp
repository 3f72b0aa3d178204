// Opening a path beneath a folder and never beyond it, for the fs store (share_root.hpp) and
// the static files handler. A ".." or a symbolic link on the way that leads out of the root is
// refused by the kernel (openat2 RESOLVE_BENEATH); links that stay inside are followed, except
// to the metadata folder ".quire" (the fs store's), which callers refuse by name.
#pragma once

#include <string>

namespace quire::storage::fs {

// A descriptor for `relative` (not empty; "." for the folder itself) under the folder
// `dir_fd`, opened with `flags` | O_CLOEXEC; -1 with errno set when it fails (EXDEV: the way
// leads out of the root; ENOENT when a link leads into a ".quire" folder below the root, as
// if it were not there). `root_real` is the root's real path: what openat2 cannot check
// itself (an absolute link back inside, which RESOLVE_BENEATH refuses, or a kernel without
// openat2) is checked on the open descriptor against it, so nothing can swap the file
// meanwhile. confine = false: links may lead anywhere (but not into ".quire").
int open_beneath(int dir_fd, const char* relative, int flags, bool confine,
                 const std::string& root_real);

} // namespace quire::storage::fs
