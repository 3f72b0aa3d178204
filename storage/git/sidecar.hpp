// The properties sidecar of the git backend: a blob in the tree beside the resource, so that
// history covers properties too. Names: "dir/.quire-props.<name>" for a document,
// "dir/.quire-props" inside a collection for the collection itself.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "../store.hpp"

namespace quire::storage::git {

inline constexpr std::string_view marker_name = ".quire-keep"; // keeps empty collections
inline constexpr std::string_view dir_props_name = ".quire-props";
inline constexpr std::string_view doc_props_prefix = ".quire-props.";

// Length-prefixed records ("<ns> <name> <value> byte counts\n" then the bytes), so any value
// round-trips byte for byte.
std::string encode_props(const std::vector<Property>& props);
Result<std::vector<Property>> decode_props(std::string_view data);

} // namespace quire::storage::git
