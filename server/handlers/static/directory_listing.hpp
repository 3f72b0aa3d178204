// The HTML page listing a directory: escaped names, sizes, dates, sorted (folders first).
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::handlers {

// dir_fd is an open directory; url_path is the decoded request path (ending with '/').
// ".quire" is left out, and so is a symbolic link that leads out of the document root (whose
// real path is root_real) unless follow_symlinks: a GET of it is refused, and its size and
// date are not the listing's to tell.
tl::expected<std::string, std::string> render_directory_listing(int dir_fd,
                                                                std::string_view url_path,
                                                                const std::string& root_real,
                                                                bool follow_symlinks);

} // namespace quire::handlers
