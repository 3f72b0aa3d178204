#include "dav/proto/if_header.hpp"

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace quire::dav {
namespace {

using Kind = IfCondition::Kind;

IfCondition token(std::string value, bool negated = false) {
    return {negated, Kind::state_token, std::move(value)};
}

IfCondition etag(std::string value, bool negated = false) {
    return {negated, Kind::etag, std::move(value)};
}

IfList untagged(std::vector<IfCondition> conditions) {
    return {std::nullopt, std::move(conditions)};
}

IfList tagged(std::string resource, std::vector<IfCondition> conditions) {
    return {std::move(resource), std::move(conditions)};
}

struct ValidCase {
    std::string name;
    std::string input;
    IfHeader expected;
    friend void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.input; }
};

const std::vector<ValidCase>& valid_cases() {
    static const std::vector<ValidCase> cases = {
        {"one_token",
         "(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>)",
         {{untagged({token("urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2")})}}},
        {"two_untagged_lists",
         "(<urn:uuid:a>) (<urn:uuid:b>)",
         {{untagged({token("urn:uuid:a")}), untagged({token("urn:uuid:b")})}}},
        {"no_space_between_lists",
         "(<urn:uuid:a>)(<urn:uuid:b>)",
         {{untagged({token("urn:uuid:a")}), untagged({token("urn:uuid:b")})}}},
        {"leading_trailing_and_inner_lws",
         " \t( <urn:uuid:a>\t[\"x\"] )  ",
         {{untagged({token("urn:uuid:a"), etag("\"x\"")})}}},
        {"not_token", "(Not <urn:uuid:a>)", {{untagged({token("urn:uuid:a", true)})}}},
        {"not_case_insensitive",
         "(nOT <urn:uuid:a>) (NOT [\"e\"])",
         {{untagged({token("urn:uuid:a", true)}), untagged({etag("\"e\"", true)})}}},
        {"not_without_space", "(Not<urn:uuid:a>)", {{untagged({token("urn:uuid:a", true)})}}},
        {"strong_etag", "([\"abc\"])", {{untagged({etag("\"abc\"")})}}},
        {"weak_etag", "([W/\"abc\"])", {{untagged({etag("W/\"abc\"")})}}},
        {"empty_etag", "([\"\"])", {{untagged({etag("\"\"")})}}},
        {"etag_with_spaces_inside_brackets", "([ \"abc\" ])", {{untagged({etag("\"abc\"")})}}},
        {"no_lock", "(<DAV:no-lock>)", {{untagged({token("DAV:no-lock")})}}},
        // RFC 4918 10.4.7 and litmus' locks tests (cond_put_with_not).
        {"litmus_token_etag_or_not_no_lock",
         "(<opaquelocktoken:f81d4fae-7dec-11d0-a765-00a0c91e6bf6> [\"etag\"]) "
         "(Not <DAV:no-lock> [\"etag\"])",
         {{untagged(
               {token("opaquelocktoken:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"), etag("\"etag\"")}),
           untagged({token("DAV:no-lock", true), etag("\"etag\"")})}}},
        // RFC 4918 10.4.6.
        {"rfc_tagged_example",
         "<http://www.example.com/specs/> (<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>)",
         {{tagged("http://www.example.com/specs/",
                  {token("urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2")})}}},
        {"tagged_several_resources",
         "</a> (<urn:uuid:1>) ([\"e\"]) <http://h/b%20c> (Not <urn:uuid:2>)",
         {{tagged("/a", {token("urn:uuid:1")}), tagged("/a", {etag("\"e\"")}),
           tagged("http://h/b%20c", {token("urn:uuid:2", true)})}}},
        {"tagged_same_resource_twice",
         "</a>(<urn:uuid:1>)</a>(<urn:uuid:2>)",
         {{tagged("/a", {token("urn:uuid:1")}), tagged("/a", {token("urn:uuid:2")})}}},
        {"several_conditions",
         "(<urn:uuid:1> Not <urn:uuid:2> [W/\"w\"] Not [\"s\"])",
         {{untagged({token("urn:uuid:1"), token("urn:uuid:2", true), etag("W/\"w\""),
                     etag("\"s\"", true)})}}},
    };
    return cases;
}

class DavIfHeaderValid : public testing::TestWithParam<ValidCase> {};

TEST_P(DavIfHeaderValid, ParsesToExpectedTree) {
    const auto& c = GetParam();
    auto parsed = parse_if_header(c.input);
    ASSERT_TRUE(parsed) << c.input << ": " << parsed.error();
    EXPECT_EQ(*parsed, c.expected) << c.input;
}

INSTANTIATE_TEST_SUITE_P(Table, DavIfHeaderValid, testing::ValuesIn(valid_cases()),
                         [](const auto& info) { return info.param.name; });

struct InvalidCase {
    std::string name;
    std::string input;
    std::string message_part; // the error must mention this
    friend void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.input; }
};

const std::vector<InvalidCase>& invalid_cases() {
    static const std::vector<InvalidCase> cases = {
        {"empty", "", "empty"},
        {"only_spaces", "   ", "empty"},
        {"empty_list", "()", "empty list"},
        {"empty_list_with_spaces", "(  )", "empty list"},
        {"empty_list_after_good_one", "(<urn:uuid:a>) ()", "offset 16"},
        {"unclosed_list", "(<urn:uuid:a>", "no closing ')'"},
        {"unclosed_coded_url", "(<urn:uuid:a)", "'>'"},
        {"unclosed_resource_tag", "</a (<urn:uuid:a>)", "Resource-Tag"},
        {"stray_close", "(<urn:uuid:a>))", "')'"},
        {"junk_before", "x(<urn:uuid:a>)", "offset 0"},
        {"junk_after", "(<urn:uuid:a>) junk", "offset 15"},
        {"junk_in_list", "(<urn:uuid:a> foo)", "condition"},
        {"bare_word", "(urn:uuid:a)", "condition"},
        {"mixed_untagged_then_tagged", "(<urn:uuid:a>) </b> (<urn:uuid:c>)", "mixed"},
        {"resource_tag_at_end", "</b> (<urn:uuid:c>) </d>", "at least one list"},
        {"resource_tag_without_list", "</a>", "at least one list"},
        {"two_resource_tags_in_a_row", "</a> </b> (<urn:uuid:c>)", "at least one list"},
        {"relative_resource_tag", "<a/b> (<urn:uuid:c>)", "absolute"},
        {"empty_coded_url", "(<>)", "empty"},
        {"state_token_not_absolute", "(<locktoken>)", "absolute URI"},
        {"space_in_coded_url", "(<urn:uuid a>)", "contains byte 0x20"},
        {"not_not", "(Not Not <urn:uuid:a>)", "condition"},
        {"not_alone", "(Not)", "condition"},
        {"not_at_end", "(Not", "no closing ')'"},
        {"etag_unquoted", "([abc])", "entity-tag"},
        {"etag_unclosed_quote", "([\"abc])", "closing '\"'"},
        {"etag_unclosed_bracket", "([\"abc\")", "']'"},
        {"etag_lowercase_weak", "([w/\"abc\"])", "entity-tag"},
        {"etag_two_tags", "([\"a\" \"b\"])", "']'"},
        {"control_byte", std::string("(<urn:uuid:\x01>)", 14), "0x01"},
        {"nul_byte", std::string("(<urn:uuid:a>)\0", 15), "0x00"},
        {"angle_inside", "(<urn:<uuid>)", "'<'"},
        {"brackets_swapped", ")(<urn:uuid:a>(", "offset 0"},
    };
    return cases;
}

class DavIfHeaderInvalid : public testing::TestWithParam<InvalidCase> {};

TEST_P(DavIfHeaderInvalid, IsRefusedWithReason) {
    const auto& c = GetParam();
    auto parsed = parse_if_header(c.input);
    ASSERT_FALSE(parsed) << c.input;
    EXPECT_NE(parsed.error().find(c.message_part), std::string::npos)
        << c.input << " -> " << parsed.error();
}

INSTANTIATE_TEST_SUITE_P(Table, DavIfHeaderInvalid, testing::ValuesIn(invalid_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(DavIfHeader, RefusesHeadersOver64KiB) {
    std::string list = "(<urn:uuid:a>)";
    std::string at_limit;
    while (at_limit.size() + list.size() <= 64 * 1024) {
        at_limit += list;
    }
    at_limit.append(64 * 1024 - at_limit.size(), ' ');
    ASSERT_EQ(at_limit.size(), 64u * 1024);
    EXPECT_TRUE(parse_if_header(at_limit));
    auto over = parse_if_header(at_limit + " ");
    ASSERT_FALSE(over);
    EXPECT_NE(over.error().find("64 KiB"), std::string::npos) << over.error();
}

TEST(DavIfHeader, SubmittedTokensIncludeNegatedOnesOnceEach) {
    auto parsed = parse_if_header(
        "</a> (<urn:uuid:1> [\"e\"]) (Not <urn:uuid:2>) </b> (<urn:uuid:1>) (<DAV:no-lock>)");
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(submitted_tokens(*parsed),
              (std::vector<std::string>{"urn:uuid:1", "urn:uuid:2", "DAV:no-lock"}));
}

TEST(DavIfHeader, SubmittedTokensEmptyForEtagsOnly) {
    auto parsed = parse_if_header("([\"a\"]) (Not [W/\"b\"])");
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_TRUE(submitted_tokens(*parsed).empty());
}

// Evaluation against a small fake server: resources by path, tags resolved when they name
// this host ("http://localhost/...") or an absolute path.
class DavIfEvaluate : public testing::Test {
protected:
    void SetUp() override {
        resources_["/doc"] = {true, "\"v1\"", {"urn:uuid:lock-doc"}};
        resources_["/plain"] = {true, "\"p\"", {}};
        resources_["/weak"] = {true, "W/\"w\"", {}};
        resources_["/missing"] = {false, "", {}};
    }

    bool eval(std::string_view header, std::string_view request = "/doc") {
        auto parsed = parse_if_header(header);
        EXPECT_TRUE(parsed) << header << ": " << (parsed ? "" : parsed.error());
        if (!parsed) {
            return false;
        }
        auto resolve = [&](std::string_view uri) -> std::optional<std::string> {
            resolved_.emplace_back(uri);
            constexpr std::string_view self = "http://localhost";
            if (uri.starts_with(self)) {
                uri.remove_prefix(self.size());
            }
            if (uri.starts_with("/")) {
                return std::string(uri);
            }
            return std::nullopt;
        };
        auto lookup = [&](std::string_view key) {
            looked_up_.emplace_back(key);
            auto it = resources_.find(std::string(key));
            return it == resources_.end() ? IfResourceState{} : it->second;
        };
        return evaluate_if(*parsed, request, resolve, lookup);
    }

    std::map<std::string, IfResourceState> resources_;
    std::vector<std::string> resolved_;
    std::vector<std::string> looked_up_;
};

TEST_F(DavIfEvaluate, MatchingTokenIsTrue) {
    EXPECT_TRUE(eval("(<urn:uuid:lock-doc>)"));
}

TEST_F(DavIfEvaluate, OtherTokenIsFalse) {
    EXPECT_FALSE(eval("(<urn:uuid:other>)"));
}

TEST_F(DavIfEvaluate, TokenOfAnotherResourceIsFalseForThisOne) {
    EXPECT_FALSE(eval("(<urn:uuid:lock-doc>)", "/plain"));
}

TEST_F(DavIfEvaluate, NotNoLockIsAlwaysTrue) {
    EXPECT_TRUE(eval("(Not <DAV:no-lock>)"));
    EXPECT_TRUE(eval("(Not <DAV:no-lock>)", "/plain"));
    EXPECT_TRUE(eval("(Not <DAV:no-lock>)", "/missing"));
}

TEST_F(DavIfEvaluate, NoLockNeverMatchesEvenAsALockToken) {
    resources_["/odd"] = {true, "\"o\"", {"DAV:no-lock"}};
    EXPECT_FALSE(eval("(<DAV:no-lock>)", "/odd"));
    EXPECT_FALSE(eval("(<DAV:no-lock>)", "/plain"));
}

TEST_F(DavIfEvaluate, ListIsConjunction) {
    EXPECT_TRUE(eval("(<urn:uuid:lock-doc> [\"v1\"])"));
    EXPECT_FALSE(eval("(<urn:uuid:lock-doc> [\"v2\"])"));
    EXPECT_FALSE(eval("(<urn:uuid:lock-doc> Not [\"v1\"])"));
}

TEST_F(DavIfEvaluate, ListsAreDisjunction) {
    EXPECT_TRUE(eval("(<urn:uuid:other>) ([\"v1\"])"));
    EXPECT_FALSE(eval("(<urn:uuid:other>) ([\"v2\"])"));
}

TEST_F(DavIfEvaluate, LitmusCondPutWithNot) {
    // The lock token is wrong, but the second list holds: not "no-lock" and the etag matches.
    EXPECT_TRUE(eval("(<opaquelocktoken:wrong> [\"v1\"]) (Not <DAV:no-lock> [\"v1\"])"));
    EXPECT_FALSE(eval("(<opaquelocktoken:wrong> [\"v1\"]) (Not <DAV:no-lock> [\"v0\"])"));
}

TEST_F(DavIfEvaluate, EtagMismatchIsFalseAndNotMismatchTrue) {
    EXPECT_FALSE(eval("([\"nope\"])"));
    EXPECT_TRUE(eval("(Not [\"nope\"])"));
}

TEST_F(DavIfEvaluate, WeakTagFromClientComparesWeakly) {
    EXPECT_TRUE(eval("([W/\"v1\"])"));
    EXPECT_FALSE(eval("([W/\"v2\"])"));
}

TEST_F(DavIfEvaluate, StrongTagNeverMatchesAWeakCurrentTag) {
    EXPECT_FALSE(eval("([\"w\"])", "/weak"));
    EXPECT_TRUE(eval("([W/\"w\"])", "/weak"));
}

TEST_F(DavIfEvaluate, EtagOfMissingResourceNeverMatches) {
    resources_["/gone"] = {false, "\"v1\"", {}};
    EXPECT_FALSE(eval("([\"v1\"])", "/gone"));
    EXPECT_TRUE(eval("(Not [\"v1\"])", "/gone"));
    EXPECT_FALSE(eval("([\"\"])", "/missing"));
}

TEST_F(DavIfEvaluate, TaggedListUsesItsOwnResource) {
    // Request URI is /plain, but the tag names /doc whose lock token matches.
    EXPECT_TRUE(eval("</doc> (<urn:uuid:lock-doc>)", "/plain"));
    EXPECT_TRUE(eval("<http://localhost/doc> (<urn:uuid:lock-doc>)", "/plain"));
    EXPECT_FALSE(eval("</plain> (<urn:uuid:lock-doc>)", "/doc"));
}

TEST_F(DavIfEvaluate, TaggedResourceNotOnThisServerIsFalseEvenWhenNegated) {
    EXPECT_FALSE(eval("<http://elsewhere.example/doc> (Not <urn:uuid:x>)"));
    // Another resource's true list still makes the header true.
    EXPECT_TRUE(eval("<http://elsewhere.example/doc> (Not <urn:uuid:x>) </doc> ([\"v1\"])"));
}

TEST_F(DavIfEvaluate, EachResourceResolvedAndLookedUpOnce) {
    EXPECT_FALSE(eval("</doc> (<urn:uuid:a>) (<urn:uuid:b>) </plain> (<urn:uuid:c>) </doc> "
                      "([\"x\"])"));
    EXPECT_EQ(resolved_, (std::vector<std::string>{"/doc", "/plain"}));
    EXPECT_EQ(looked_up_, (std::vector<std::string>{"/doc", "/plain"}));
}

TEST_F(DavIfEvaluate, StopsAtFirstTrueList) {
    EXPECT_TRUE(eval("</doc> ([\"v1\"]) </plain> ([\"p\"])", "/x"));
    EXPECT_EQ(looked_up_, (std::vector<std::string>{"/doc"}));
}

TEST_F(DavIfEvaluate, UntaggedListsUseRequestKeyWithoutResolving) {
    EXPECT_TRUE(eval("([\"p\"])", "/plain"));
    EXPECT_TRUE(resolved_.empty());
    EXPECT_EQ(looked_up_, (std::vector<std::string>{"/plain"}));
}

} // namespace
} // namespace quire::dav
