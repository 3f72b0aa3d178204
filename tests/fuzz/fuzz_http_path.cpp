// Fuzzes request path normalisation: whatever it accepts must stay inside the root.
#include "fuzz_check.hpp"

#include "http/path.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using namespace quire::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto r = normalize_path(in);
    if (r) {
        const std::string& p = *r;
        FUZZ_CHECK(!p.empty() && p.front() == '/');
        FUZZ_CHECK(p.find("/../") == std::string::npos);
        FUZZ_CHECK(p.find("/./") == std::string::npos);
        FUZZ_CHECK(p.find("//") == std::string::npos);
        FUZZ_CHECK(p.find('\\') == std::string::npos);
        FUZZ_CHECK(p.find('\0') == std::string::npos);
        FUZZ_CHECK(p != "/.." && !p.ends_with("/..") && !p.ends_with("/."));
        for (char c : p)
            FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
        // Re-encoding the result and normalising again gives it back unchanged.
        auto again = normalize_path(encode_path(p));
        FUZZ_CHECK(again && *again == p);
    } else {
        FUZZ_CHECK(r.error().status == 400 && !r.error().reason.empty());
    }
    std::string escaped = html_escape(in);
    FUZZ_CHECK(escaped.find('<') == std::string::npos && escaped.find('"') == std::string::npos);
    return 0;
}
