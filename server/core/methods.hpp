// Request methods the server knows of. A method no handler implements is 405 when it is one of
// these and 501 otherwise (RFC 9110 sections 9.1, 15.5.6, 15.6.2).
#pragma once

#include <string_view>

namespace quire::core {

bool is_known_method(std::string_view method);

} // namespace quire::core
