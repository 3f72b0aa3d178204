// COPY's file half for the fs store.
#pragma once

#include <string>

#include "../store.hpp"
#include "share_root.hpp"

namespace quire::storage::fs {

// Copies what the store path `from` holds (a document, or a folder with its members at depth
// infinity, or alone at depth zero) to the new name `to_name` in the folder `to_dir`, fsyncing
// files. Read through the share: a link within it is followed (the copy holds what a GET
// shows); a member that a link leads out of the share, or that is neither file nor folder, is
// left out, as listings leave it out.
Result<void> copy_tree(const ShareRoot& share, const std::string& from, int to_dir,
                       const std::string& to_name, bool recursive);

} // namespace quire::storage::fs
