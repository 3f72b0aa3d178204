// Status codes and their reason phrases.
#pragma once

#include <string_view>

namespace quire::http {

// The reason phrase for a status code ("Unknown" for codes not registered).
std::string_view reason_phrase(int status);

} // namespace quire::http
