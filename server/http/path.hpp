// Request path decoding and normalisation that can never escape the mount's root.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::http {

struct PathError {
    int status = 400;
    std::string reason;
};

// Percent-decodes and normalises a raw origin-form path ("/a/./b/../c%20d/" -> "/a/c d/").
// Rejects (400): not starting with '/', bad percent escapes, an encoded '/' (%2F) or NUL, a
// backslash (raw or encoded), invalid UTF-8, any control character, and any ".." that would
// climb above "/". Dot segments, including encoded ones (%2e), are resolved; repeated slashes
// collapse. A trailing slash is kept.
tl::expected<std::string, PathError> normalize_path(std::string_view raw);

// Percent-encodes a decoded path for use in a URL (keeps '/', unreserved and sub-delims).
std::string encode_path(std::string_view decoded);

// HTML-escapes text (&, <, >, ", ').
std::string html_escape(std::string_view s);

} // namespace quire::http
