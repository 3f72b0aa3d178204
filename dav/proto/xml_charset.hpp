// The character encoding of an XML request body (XML 1.0 section 4.3.3 and appendix F, RFC
// 7303 section 3): a parser must read UTF-8 and UTF-16, and may read others. Bodies are
// turned into UTF-8 here, before parse_xml, which reads UTF-8 only.
#pragma once

#include <tl/expected.hpp>

#include <string>
#include <string_view>

namespace quire::dav {

// The body as UTF-8. The encoding is, in order: the charset parameter of the Content-Type
// (RFC 7303 section 3: it wins over the document's own), a byte order mark, UTF-16 without
// one (the first bytes "<?" in either order), the XML declaration's encoding="...", else
// UTF-8. UTF-8 and US-ASCII bodies are returned as they came; others are converted by iconv
// (ISO-8859-*, windows-125*, UTF-16...), and an encoding iconv does not know, or bytes
// invalid in it, is an error saying which. The declaration is left as it is: parse_xml
// reads the result as UTF-8 whatever it says.
tl::expected<std::string, std::string> xml_body_as_utf8(std::string body,
                                                        std::string_view content_type);

} // namespace quire::dav
