// Reads a whole file that the configuration names (or the configuration file itself).
#pragma once

#include <filesystem>
#include <string>

#include <tl/expected.hpp>

namespace quire::config {

// The file's bytes, or why it cannot be read ("No such file or directory", "Is a directory"):
// a folder opens like a file but has nothing to read, and must not pass for an empty file.
tl::expected<std::string, std::string> read_file(const std::filesystem::path& path);

} // namespace quire::config
