// Writing DAV XML responses (RFC 4918 sections 13, 14.16): every element in DAV: uses the
// prefix "D", declared once on the root; other namespaces are declared where they are used,
// so the output declares exactly what it uses. Properties in no namespace need no declaration
// because no default namespace is set outside a dead property's element. A dead property's
// value brings the declarations that were in scope where the client sent it, and its element's
// prefix is chosen not to clash with them.
#pragma once

#include <string>
#include <string_view>

namespace quire::dav {

inline constexpr std::string_view xml_head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

// "HTTP/1.1 404 Not Found"
std::string status_line(int status);

// Appends <name ...>value</name> for a property in namespace ns. value is XML content (already
// escaped) or a stored dead property value (dead_value.hpp), whose xml:lang and namespace
// declarations go on the element.
void append_property(std::string& out, std::string_view ns, std::string_view name,
                     std::string_view value);
// An empty property element (for propname and for failed propstats).
void append_property_name(std::string& out, std::string_view ns, std::string_view name);

// <D:error><D:NAME/>...</D:error> bodies for preconditions (RFC 4918 section 16).
std::string error_body(std::string_view precondition, std::string_view inner = {});

void begin_multistatus(std::string& out);
void end_multistatus(std::string& out, std::string_view sync_token = {});
// <D:response><D:href>href</D:href><D:status>...</D:status></D:response>; href is encoded.
void append_status_response(std::string& out, std::string_view href, int status,
                            std::string_view error_xml = {});

} // namespace quire::dav
