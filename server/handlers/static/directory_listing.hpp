// The HTML page listing a directory: escaped names, sizes, dates, sorted (folders first).
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::handlers {

// dir_fd is an open directory; url_path is the decoded request path (ending with '/').
// Entries named in hidden (e.g. ".quire") are left out.
tl::expected<std::string, std::string> render_directory_listing(int dir_fd,
                                                                std::string_view url_path);

} // namespace quire::handlers
