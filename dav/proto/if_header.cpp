#include "if_header.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace quire::dav {

namespace {

constexpr std::size_t max_if_header = 64 * 1024;

bool is_lws(char c) {
    return c == ' ' || c == '\t';
}

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// RFC 3986 absolute-URI needs a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
bool has_scheme(std::string_view uri) {
    if (uri.empty() || !is_alpha(uri.front())) {
        return false;
    }
    for (std::size_t i = 1; i < uri.size(); ++i) {
        const char c = uri[i];
        if (c == ':') {
            return true;
        }
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
            return false;
        }
    }
    return false;
}

class Parser {
public:
    explicit Parser(std::string_view in) : in_(in) {}

    tl::expected<IfHeader, std::string> parse() {
        if (in_.size() > max_if_header) {
            return tl::unexpected("If header longer than 64 KiB (" + std::to_string(in_.size()) +
                                  " bytes)");
        }
        IfHeader header;
        skip_lws();
        if (at_end()) {
            return fail("empty If header");
        }
        // RFC 4918 10.4.2: either only No-tag-lists or only Tagged-lists.
        const bool tagged = peek() == '<';
        std::optional<std::string> resource;
        bool resource_has_list = false;
        while (!at_end()) {
            if (peek() == '<') {
                if (!tagged) {
                    return fail("a Resource-Tag after untagged lists (tagged and untagged lists "
                                "cannot be mixed)");
                }
                if (resource && !resource_has_list) {
                    return fail("a Resource-Tag must be followed by at least one list");
                }
                auto tag = coded_url("Resource-Tag");
                if (!tag) {
                    return tl::unexpected(std::move(tag.error()));
                }
                if (tag->front() != '/' && !has_scheme(*tag)) {
                    return tl::unexpected("Resource-Tag <" + *tag + "> ending at offset " +
                                          std::to_string(pos_) +
                                          " is neither an absolute URI nor an absolute path");
                }
                resource = std::move(*tag);
                resource_has_list = false;
            } else if (peek() == '(') {
                auto list = parse_list();
                if (!list) {
                    return tl::unexpected(std::move(list.error()));
                }
                list->resource = resource;
                header.lists.push_back(std::move(*list));
                resource_has_list = true;
            } else {
                return fail(std::string("expected '(' or '<', found ") + describe(peek()));
            }
            skip_lws();
        }
        if (tagged && !resource_has_list) {
            return fail("a Resource-Tag must be followed by at least one list");
        }
        return header;
    }

private:
    bool at_end() const { return pos_ >= in_.size(); }
    char peek() const { return in_[pos_]; }

    void skip_lws() {
        while (!at_end() && is_lws(peek())) {
            ++pos_;
        }
    }

    static std::string describe(char c) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u < 0x7f) {
            return std::string("'") + c + "'";
        }
        static constexpr char hex[] = "0123456789abcdef";
        return std::string("byte 0x") + hex[u >> 4] + hex[u & 0xf];
    }

    tl::unexpected<std::string> fail(std::string what) const {
        return tl::unexpected(std::move(what) + " at offset " + std::to_string(pos_));
    }

    // "<" ... ">" with no whitespace, controls or angle brackets inside; returns the content.
    tl::expected<std::string, std::string> coded_url(std::string_view what) {
        const std::size_t start = pos_;
        ++pos_; // '<'
        while (!at_end() && peek() != '>') {
            const auto u = static_cast<unsigned char>(peek());
            if (u <= 0x20 || u == 0x7f || peek() == '<') {
                return fail(std::string(what) + " contains " + describe(peek()));
            }
            ++pos_;
        }
        if (at_end()) {
            pos_ = start;
            return fail(std::string(what) + " has no closing '>'");
        }
        std::string content(in_.substr(start + 1, pos_ - start - 1));
        ++pos_; // '>'
        if (content.empty()) {
            pos_ = start;
            return fail("empty " + std::string(what) + " '<>'");
        }
        return content;
    }

    // RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E /
    // obs-text. Returned exactly as sent.
    tl::expected<std::string, std::string> entity_tag() {
        const std::size_t start = pos_;
        if (in_.substr(pos_, 2) == "W/") {
            pos_ += 2;
        }
        if (at_end() || peek() != '"') {
            return fail("entity-tag must start with '\"' or 'W/\"'");
        }
        ++pos_;
        while (!at_end() && peek() != '"') {
            const auto u = static_cast<unsigned char>(peek());
            if (u <= 0x20 || u == 0x7f) {
                return fail("entity-tag contains " + describe(peek()));
            }
            ++pos_;
        }
        if (at_end()) {
            return fail("entity-tag has no closing '\"'");
        }
        ++pos_;
        return std::string(in_.substr(start, pos_ - start));
    }

    // List = "(" 1*Condition ")"; Condition = ["Not"] (State-token | "[" entity-tag "]").
    tl::expected<IfList, std::string> parse_list() {
        IfList list;
        const std::size_t open = pos_;
        ++pos_; // '('
        for (;;) {
            skip_lws();
            if (at_end()) {
                pos_ = open;
                return fail("list has no closing ')'");
            }
            if (peek() == ')') {
                if (list.conditions.empty()) {
                    return fail("empty list '()'");
                }
                ++pos_;
                return list;
            }
            IfCondition condition;
            if (in_.size() - pos_ >= 3 && (peek() == 'N' || peek() == 'n') &&
                (in_[pos_ + 1] == 'o' || in_[pos_ + 1] == 'O') &&
                (in_[pos_ + 2] == 't' || in_[pos_ + 2] == 'T')) {
                condition.negated = true;
                pos_ += 3;
                skip_lws();
                if (at_end()) {
                    pos_ = open;
                    return fail("list has no closing ')'");
                }
            }
            if (peek() == '<') {
                auto token = coded_url("State-token");
                if (!token) {
                    return tl::unexpected(std::move(token.error()));
                }
                if (!has_scheme(*token)) {
                    return tl::unexpected("State-token <" + *token + "> ending at offset " +
                                          std::to_string(pos_) + " is not an absolute URI");
                }
                condition.kind = IfCondition::Kind::state_token;
                condition.value = std::move(*token);
            } else if (peek() == '[') {
                ++pos_;
                skip_lws();
                auto tag = entity_tag();
                if (!tag) {
                    return tl::unexpected(std::move(tag.error()));
                }
                skip_lws();
                if (at_end() || peek() != ']') {
                    return fail("entity-tag is not followed by ']'");
                }
                ++pos_;
                condition.kind = IfCondition::Kind::etag;
                condition.value = std::move(*tag);
            } else {
                return fail(std::string("expected a condition ('Not', '<' or '['), found ") +
                            describe(peek()));
            }
            list.conditions.push_back(std::move(condition));
        }
    }

    std::string_view in_;
    std::size_t pos_ = 0;
};

// The opaque-tag of an entity-tag and whether it is weak.
std::pair<std::string_view, bool> split_etag(std::string_view tag) {
    if (tag.starts_with("W/")) {
        return {tag.substr(2), true};
    }
    return {tag, false};
}

// RFC 9110 8.8.3.2: strong comparison needs both strong; a weak tag from the client is compared
// weakly (clients echo what they were given, W/ included).
bool etag_matches(std::string_view condition, std::string_view current) {
    if (current.empty()) {
        return false;
    }
    const auto [want, want_weak] = split_etag(condition);
    const auto [have, have_weak] = split_etag(current);
    if (want_weak) {
        return want == have;
    }
    return !have_weak && want == have;
}

bool condition_holds(const IfCondition& condition, const IfResourceState& state) {
    bool match = false;
    if (condition.kind == IfCondition::Kind::state_token) {
        // DAV:no-lock is never the token of a lock (RFC 4918 10.4.8); a lock store would not
        // hand it out, but a caller's list must not make it match either.
        match = condition.value != "DAV:no-lock" &&
                std::find(state.lock_tokens.begin(), state.lock_tokens.end(), condition.value) !=
                    state.lock_tokens.end();
    } else {
        match = state.exists && etag_matches(condition.value, state.etag);
    }
    return match != condition.negated;
}

} // namespace

tl::expected<IfHeader, std::string> parse_if_header(std::string_view value) {
    return Parser(value).parse();
}

std::vector<std::string> submitted_tokens(const IfHeader& header) {
    std::vector<std::string> tokens;
    for (const auto& list : header.lists) {
        for (const auto& condition : list.conditions) {
            if (condition.kind == IfCondition::Kind::state_token &&
                std::find(tokens.begin(), tokens.end(), condition.value) == tokens.end()) {
                tokens.push_back(condition.value);
            }
        }
    }
    return tokens;
}

bool evaluate_if(const IfHeader& header, std::string_view request_key,
                 const std::function<std::optional<std::string>(std::string_view uri)>& resolve,
                 const std::function<IfResourceState(std::string_view key)>& lookup) {
    // Each resource is resolved and looked up once, however many lists name it.
    struct Cached {
        std::optional<std::string> tag; // nullopt: the request URI
        std::optional<std::string> key; // nullopt: not on this server
        IfResourceState state;
    };
    std::vector<Cached> cache;
    auto state_for = [&](const std::optional<std::string>& tag) -> const Cached& {
        for (const auto& c : cache) {
            if (c.tag == tag) {
                return c;
            }
        }
        Cached c{tag, std::nullopt, {}};
        c.key = tag ? resolve(*tag) : std::optional<std::string>(std::string(request_key));
        if (c.key) {
            c.state = lookup(*c.key);
        }
        cache.push_back(std::move(c));
        return cache.back();
    };

    // RFC 4918 10.4.3: the header is true when any of its lists is true.
    for (const auto& list : header.lists) {
        const Cached& resource = state_for(list.resource);
        if (!resource.key) {
            continue; // a resource not on this server: its lists are false
        }
        if (std::all_of(list.conditions.begin(), list.conditions.end(),
                        [&](const IfCondition& c) { return condition_holds(c, resource.state); })) {
            return true;
        }
    }
    return false;
}

} // namespace quire::dav
