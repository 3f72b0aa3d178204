// storage::Errc -> HTTP status, in one place (DESIGN.md: one registry of error codes).
#pragma once

#include "storage/error.hpp"

namespace quire::dav {

int status_of(storage::Errc code);

} // namespace quire::dav
