// UTF-8 well-formedness (request paths, XML request bodies).
#pragma once

#include <string_view>

namespace quire::http {

// Well-formed UTF-8 (RFC 3629 section 4): no overlong forms, no surrogates, at most U+10FFFF.
bool valid_utf8(std::string_view s);

} // namespace quire::http
