// Fuzzes the parsers of WebDAV XML request bodies (PROPFIND, PROPPATCH, LOCK, REPORT) with the
// same bytes, and the conversion of a body in another encoding to UTF-8 that comes first.
// Invariants: a parse either fails with a message or yields values that make sense (names
// non-empty, values that re-parse as XML content and keep the bytes sent), and never crashes or
// leaks.
#include "dav/proto/dead_value.hpp"
#include "dav/proto/multistatus.hpp"
#include "dav/proto/requests.hpp"
#include "dav/proto/xml.hpp"
#include "dav/proto/xml_charset.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace quire::dav;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);

    if (auto p = parse_propfind(body)) {
        for (const auto& n : p->props) {
            FUZZ_CHECK(!n.name.empty());
        }
    } else {
        FUZZ_CHECK(!p.error().empty());
    }

    if (auto ops = parse_proppatch(body)) {
        FUZZ_CHECK(!ops->empty());
        for (const auto& op : *ops) {
            FUZZ_CHECK(!op.name.name.empty());
            if (op.value) {
                // A stored value must come back as well-formed XML inside its property, with
                // its content as sent, byte for byte.
                std::string doc = "<D:multistatus xmlns:D=\"DAV:\">";
                append_property(doc, op.name.ns, op.name.name, *op.value);
                doc += "</D:multistatus>";
                FUZZ_CHECK(parse_xml(doc).has_value());
                const auto content = decode_dead_value(*op.value).content;
                FUZZ_CHECK(body.find(content) != std::string_view::npos);
                FUZZ_CHECK(doc.find(content) != std::string::npos);
            }
        }
    } else {
        FUZZ_CHECK(!ops.error().empty());
    }

    if (auto lock = parse_lockinfo(body)) {
        if (!lock->owner_xml.empty()) {
            const std::string doc = "<D:x xmlns:D=\"DAV:\">" + lock->owner_xml + "</D:x>";
            FUZZ_CHECK(parse_xml(doc).has_value());
        }
    } else {
        FUZZ_CHECK(!lock.error().empty());
    }

    if (auto report = parse_report(body)) {
        FUZZ_CHECK(!report->name.empty());
    } else {
        FUZZ_CHECK(!report.error().empty());
    }

    // Whatever the encoding the bytes claim, the result is one parse_xml takes or refuses.
    if (auto utf8 = xml_body_as_utf8(std::string(body), "")) {
        if (auto doc = parse_xml(*utf8); !doc) {
            FUZZ_CHECK(!doc.error().empty());
        }
    } else {
        FUZZ_CHECK(!utf8.error().empty());
    }
    return 0;
}
