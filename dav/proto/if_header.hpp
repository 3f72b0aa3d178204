// The If header (RFC 4918 section 10.4).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace quire::dav {

struct IfCondition {
    bool negated = false;
    enum class Kind { state_token, etag } kind = Kind::state_token;
    std::string value;
};
struct IfList {
    std::optional<std::string> resource;
    std::vector<IfCondition> conditions;
};
struct IfHeader {
    std::vector<IfList> lists;
};
tl::expected<IfHeader, std::string> parse_if_header(std::string_view value);
std::vector<std::string> submitted_tokens(const IfHeader&);

struct IfResourceState {
    bool exists = false;
    std::string etag;
    std::vector<std::string> lock_tokens;
};
bool evaluate_if(const IfHeader&, std::string_view request_key,
                 const std::function<std::optional<std::string>(std::string_view uri)>& resolve,
                 const std::function<IfResourceState(std::string_view key)>& lookup);

} // namespace quire::dav
