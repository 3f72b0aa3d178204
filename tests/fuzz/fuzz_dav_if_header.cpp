// Fuzzes the WebDAV If header: whatever parses must be a well-formed tree, and evaluating it
// must agree with a direct reading of RFC 4918 10.4.3 over a small fake server.
#include "fuzz_check.hpp"

#include "dav/proto/if_header.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

using namespace quire::dav;

namespace {

bool clean(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
}

IfResourceState state_of(std::string_view key) {
    // Every resource exists with etag "a" and holds the lock token "urn:x:1", except "/none".
    if (key == "/none") {
        return {};
    }
    return {true, "\"a\"", {"urn:x:1"}};
}

std::optional<std::string> resolve(std::string_view uri) {
    if (uri.starts_with("/")) {
        return std::string(uri);
    }
    return std::nullopt; // absolute URIs are elsewhere
}

// The same semantics written as plainly as possible, to compare with evaluate_if.
bool reference(const IfHeader& header, std::string_view request) {
    for (const auto& list : header.lists) {
        std::optional<std::string> key =
            list.resource ? resolve(*list.resource) : std::string(request);
        if (!key) {
            continue;
        }
        const IfResourceState state = state_of(*key);
        bool all = true;
        for (const auto& c : list.conditions) {
            bool match = false;
            if (c.kind == IfCondition::Kind::state_token) {
                match = c.value == "urn:x:1" && state.exists;
            } else {
                std::string_view v = c.value;
                const bool weak = v.starts_with("W/");
                if (weak) {
                    v.remove_prefix(2);
                }
                match = state.exists && v == state.etag;
            }
            all = all && (match != c.negated);
        }
        if (all) {
            return true;
        }
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_if_header(in);
    if (!parsed) {
        FUZZ_CHECK(!parsed.error().empty());
        return 0;
    }
    const IfHeader& header = *parsed;
    FUZZ_CHECK(in.size() <= 64 * 1024);
    FUZZ_CHECK(!header.lists.empty());
    // Either every list is tagged or none is.
    const bool tagged = header.lists.front().resource.has_value();
    for (const auto& list : header.lists) {
        FUZZ_CHECK(list.resource.has_value() == tagged);
        FUZZ_CHECK(!list.conditions.empty());
        if (list.resource) {
            FUZZ_CHECK(!list.resource->empty() && clean(*list.resource));
            FUZZ_CHECK(list.resource->find_first_of("<>") == std::string::npos);
        }
        for (const auto& c : list.conditions) {
            FUZZ_CHECK(!c.value.empty());
            if (c.kind == IfCondition::Kind::state_token) {
                FUZZ_CHECK(clean(c.value) && c.value.find(':') != std::string::npos);
                FUZZ_CHECK(c.value.find_first_of("<>") == std::string::npos);
            } else {
                std::string_view v = c.value;
                if (v.starts_with("W/")) {
                    v.remove_prefix(2);
                }
                FUZZ_CHECK(v.size() >= 2 && v.front() == '"' && v.back() == '"');
                FUZZ_CHECK(clean(v) && v.substr(1, v.size() - 2).find('"') == std::string::npos);
            }
            // Every value came from the input.
            FUZZ_CHECK(in.find(c.value) != std::string_view::npos);
        }
    }
    const auto tokens = submitted_tokens(header);
    for (const auto& token : tokens) {
        FUZZ_CHECK(std::count(tokens.begin(), tokens.end(), token) == 1);
    }

    // Evaluation matches the reference, and lookup is never asked about an unresolved key.
    for (std::string_view request : {"/r", "/none"}) {
        bool bad_lookup = false;
        const bool got = evaluate_if(header, request, resolve, [&](std::string_view key) {
            bad_lookup = bad_lookup || !key.starts_with("/");
            return state_of(key);
        });
        FUZZ_CHECK(!bad_lookup);
        FUZZ_CHECK(got == reference(header, request));
    }
    return 0;
}
