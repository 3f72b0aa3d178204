// Normalised resource paths: "/" is the root, "/a/b" has no trailing slash, no "." or "..".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace quire::storage {

// Longest member name in bytes on every backend (the common limit of Linux file systems).
inline constexpr std::size_t max_name_bytes = 255;

// Accepts "/a/b", "/a/b/", "a/b"; collapses "//"; rejects "." "..", NUL, names over
// max_name_bytes (name_too_long) and names reserved for Quire's own metadata (forbidden).
Result<std::string> normalise(std::string_view path);

bool is_root(std::string_view path);
std::string parent_of(std::string_view path);
std::string_view name_of(std::string_view path);
// True when path is ancestor itself or lies below it.
bool is_within(std::string_view path, std::string_view ancestor);
// "/a/b" -> {"a", "b"}; "/" -> {}.
std::vector<std::string_view> segments(std::string_view path);
std::string join(std::string_view collection, std::string_view name);

// ".quire" and names starting with ".quire-" hold Quire's metadata (the fs metadata folder
// and temp files, git markers and sidecars); they are never listed and cannot be created
// through the Store. Other names that merely begin so (".quirerc") are ordinary.
bool is_reserved_name(std::string_view name);

} // namespace quire::storage
