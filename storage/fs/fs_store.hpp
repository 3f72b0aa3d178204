// The fs backend: a plain directory tree that other tools may read (and edit); metadata in
// <root>/.quire/meta.db, a folder that is never listed.
#pragma once

#include <memory>
#include <string>

#include "../store.hpp"

namespace quire::storage::fs {

Result<std::unique_ptr<Store>> open(const std::string& root);

} // namespace quire::storage::fs
