// Tests for conditional requests (RFC 9110 section 13): the full precedence of section 13.2.2.
#include "http/conditional.hpp"
#include "http/date.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace quire::http {
namespace {

constexpr std::time_t lm = 1000000000; // Sun, 09 Sep 2001 01:46:40 GMT
const char* const before_lm = "Sun, 09 Sep 2001 01:46:39 GMT";
const char* const at_lm = "Sun, 09 Sep 2001 01:46:40 GMT";
const char* const after_lm = "Sun, 09 Sep 2001 01:46:41 GMT";
const char* const future = "Fri, 01 Jan 9999 00:00:00 GMT";

using Fields = std::vector<std::pair<const char*, const char*>>;

Headers make(const Fields& fields) {
    Headers h;
    for (const auto& [n, v] : fields)
        h.add(n, v);
    return h;
}

Validators current() {
    return {true, "\"abc\"", lm};
}
Validators weak_current() {
    return {true, "W/\"abc\"", lm};
}
Validators missing() {
    return {false, "", std::nullopt};
}
Validators no_etag() {
    return {true, "", lm};
}
Validators no_date() {
    return {true, "\"abc\"", std::nullopt};
}

constexpr auto go = Precondition::proceed;
constexpr auto p304 = Precondition::not_modified;
constexpr auto p412 = Precondition::precondition_failed;

struct Row {
    const char* name;
    const char* method;
    Fields fields;
    Validators (*v)();
    Precondition expected;
};

// clang-format off
const Row rows[] = {
    {"none", "GET", {}, current, go},
    {"none_missing", "GET", {}, missing, go},
    // Step 1: If-Match (strong comparison).
    {"im_match", "PUT", {{"If-Match", "\"abc\""}}, current, go},
    {"im_match_get", "GET", {{"If-Match", "\"abc\""}}, current, go},
    {"im_mismatch", "PUT", {{"If-Match", "\"xyz\""}}, current, p412},
    {"im_mismatch_get", "GET", {{"If-Match", "\"xyz\""}}, current, p412},
    {"im_list_match", "PUT", {{"If-Match", "\"x\", \"abc\" ,\"y\""}}, current, go},
    {"im_two_fields_match", "PUT", {{"If-Match", "\"x\""}, {"If-Match", "\"abc\""}}, current, go},
    {"im_weak_tag_never_matches", "PUT", {{"If-Match", "W/\"abc\""}}, current, p412},
    {"im_against_weak_current", "PUT", {{"If-Match", "W/\"abc\""}}, weak_current, p412},
    {"im_star_exists", "PUT", {{"If-Match", "*"}}, current, go},
    {"im_star_missing", "PUT", {{"If-Match", "*"}}, missing, p412},
    {"im_tag_missing", "PUT", {{"If-Match", "\"abc\""}}, missing, p412},
    {"im_no_etag", "PUT", {{"If-Match", "\"abc\""}}, no_etag, p412},
    {"im_malformed", "PUT", {{"If-Match", "abc"}}, current, p412},
    {"im_comma_inside_tag", "PUT", {{"If-Match", "\"a,bc\""}}, current, p412},
    // Step 2: If-Unmodified-Since, only without If-Match.
    {"ius_unmodified", "PUT", {{"If-Unmodified-Since", at_lm}}, current, go},
    {"ius_later", "PUT", {{"If-Unmodified-Since", after_lm}}, current, go},
    {"ius_modified", "PUT", {{"If-Unmodified-Since", before_lm}}, current, p412},
    {"ius_modified_get", "GET", {{"If-Unmodified-Since", before_lm}}, current, p412},
    {"ius_invalid_ignored", "PUT", {{"If-Unmodified-Since", "garbage"}}, current, go},
    {"ius_no_last_modified", "PUT", {{"If-Unmodified-Since", before_lm}}, no_date, go},
    {"ius_ignored_with_im", "PUT", {{"If-Match", "\"abc\""}, {"If-Unmodified-Since", before_lm}}, current, go},
    {"im_fails_ius_passes", "PUT", {{"If-Match", "\"x\""}, {"If-Unmodified-Since", after_lm}}, current, p412},
    // Step 3: If-None-Match (weak comparison).
    {"inm_match_get", "GET", {{"If-None-Match", "\"abc\""}}, current, p304},
    {"inm_match_head", "HEAD", {{"If-None-Match", "\"abc\""}}, current, p304},
    {"inm_match_put", "PUT", {{"If-None-Match", "\"abc\""}}, current, p412},
    {"inm_match_delete", "DELETE", {{"If-None-Match", "\"abc\""}}, current, p412},
    {"inm_match_post", "POST", {{"If-None-Match", "\"abc\""}}, current, p412},
    {"inm_weak_match", "GET", {{"If-None-Match", "W/\"abc\""}}, current, p304},
    {"inm_weak_current", "GET", {{"If-None-Match", "\"abc\""}}, weak_current, p304},
    {"inm_mismatch", "GET", {{"If-None-Match", "\"xyz\""}}, current, go},
    {"inm_list_match", "GET", {{"If-None-Match", "\"x\", W/\"abc\""}}, current, p304},
    {"inm_star_exists_get", "GET", {{"If-None-Match", "*"}}, current, p304},
    {"inm_star_exists_put", "PUT", {{"If-None-Match", "*"}}, current, p412},
    {"inm_star_missing_put", "PUT", {{"If-None-Match", "*"}}, missing, go},
    {"inm_tag_missing", "GET", {{"If-None-Match", "\"abc\""}}, missing, go},
    {"inm_no_etag", "GET", {{"If-None-Match", "\"abc\""}}, no_etag, go},
    {"im_pass_inm_match", "GET", {{"If-Match", "\"abc\""}, {"If-None-Match", "\"abc\""}}, current, p304},
    {"im_fail_inm_match", "GET", {{"If-Match", "\"x\""}, {"If-None-Match", "\"abc\""}}, current, p412},
    {"ius_fail_inm_match", "GET", {{"If-Unmodified-Since", before_lm}, {"If-None-Match", "\"abc\""}}, current, p412},
    {"ius_pass_inm_match", "GET", {{"If-Unmodified-Since", at_lm}, {"If-None-Match", "\"abc\""}}, current, p304},
    // Step 4: If-Modified-Since, GET/HEAD only and only without If-None-Match.
    {"ims_not_modified", "GET", {{"If-Modified-Since", at_lm}}, current, p304},
    {"ims_not_modified_later", "HEAD", {{"If-Modified-Since", after_lm}}, current, p304},
    {"ims_modified", "GET", {{"If-Modified-Since", before_lm}}, current, go},
    {"ims_ignored_for_put", "PUT", {{"If-Modified-Since", at_lm}}, current, go},
    {"ims_ignored_for_post", "POST", {{"If-Modified-Since", at_lm}}, current, go},
    {"ims_ignored_with_inm", "GET", {{"If-None-Match", "\"xyz\""}, {"If-Modified-Since", at_lm}}, current, go},
    {"ims_invalid_ignored", "GET", {{"If-Modified-Since", "not a date"}}, current, go},
    {"ims_future_ignored", "GET", {{"If-Modified-Since", future}}, current, go},
    {"ims_no_last_modified", "GET", {{"If-Modified-Since", at_lm}}, no_date, go},
    {"ims_missing_resource", "GET", {{"If-Modified-Since", at_lm}}, missing, go},
    {"ims_rfc850_date", "GET", {{"If-Modified-Since", "Sunday, 09-Sep-01 01:46:40 GMT"}}, current, p304},
    {"ims_repeated_ignored", "GET", {{"If-Modified-Since", at_lm}, {"If-Modified-Since", at_lm}}, current, go},
    {"im_pass_ims_not_modified", "GET", {{"If-Match", "\"abc\""}, {"If-Modified-Since", at_lm}}, current, p304},
    {"im_fail_ims_not_modified", "GET", {{"If-Match", "\"x\""}, {"If-Modified-Since", at_lm}}, current, p412},
    {"ius_fail_ims_not_modified", "GET", {{"If-Unmodified-Since", before_lm}, {"If-Modified-Since", at_lm}}, current, p412},
};
// clang-format on

class PreconditionRows : public testing::TestWithParam<Row> {};

TEST_P(PreconditionRows, Evaluate) {
    const Row& row = GetParam();
    EXPECT_EQ(evaluate_preconditions(row.method, make(row.fields), row.v()), row.expected);
}

INSTANTIATE_TEST_SUITE_P(Rows, PreconditionRows, testing::ValuesIn(rows),
                         [](const testing::TestParamInfo<Row>& i) { return i.param.name; });

TEST(Conditional, ValidatorDatesAreTheFormattedOnes) {
    EXPECT_EQ(format_http_date(lm), at_lm);
}

// RFC 9110 section 8.8.3.2, the example table.
TEST(Conditional, EtagComparison) {
    EXPECT_FALSE(etag_strong_equal("W/\"1\"", "W/\"1\""));
    EXPECT_TRUE(etag_weak_equal("W/\"1\"", "W/\"1\""));
    EXPECT_FALSE(etag_strong_equal("W/\"1\"", "W/\"2\""));
    EXPECT_FALSE(etag_weak_equal("W/\"1\"", "W/\"2\""));
    EXPECT_FALSE(etag_strong_equal("W/\"1\"", "\"1\""));
    EXPECT_TRUE(etag_weak_equal("W/\"1\"", "\"1\""));
    EXPECT_TRUE(etag_strong_equal("\"1\"", "\"1\""));
    EXPECT_TRUE(etag_weak_equal("\"1\"", "\"1\""));
    EXPECT_FALSE(etag_strong_equal("", ""));
    EXPECT_FALSE(etag_weak_equal("", ""));
}

struct RangeRow {
    const char* name;
    Fields fields;
    Validators (*v)();
    bool allows;
};

// clang-format off
const RangeRow if_range_rows[] = {
    {"absent", {}, current, true},
    {"etag_match", {{"If-Range", "\"abc\""}}, current, true},
    {"etag_mismatch", {{"If-Range", "\"xyz\""}}, current, false},
    {"weak_etag", {{"If-Range", "W/\"abc\""}}, current, false},
    {"against_weak_current", {{"If-Range", "\"abc\""}}, weak_current, false},
    {"etag_missing_resource", {{"If-Range", "\"abc\""}}, missing, false},
    {"date_equal", {{"If-Range", at_lm}}, current, true},
    {"date_later", {{"If-Range", after_lm}}, current, false},
    {"date_earlier", {{"If-Range", before_lm}}, current, false},
    {"date_no_last_modified", {{"If-Range", at_lm}}, no_date, false},
    {"invalid", {{"If-Range", "garbage"}}, current, false},
    {"etag_list_not_allowed", {{"If-Range", "\"abc\", \"abc\""}}, current, false},
};
// clang-format on

class IfRangeRows : public testing::TestWithParam<RangeRow> {};

TEST_P(IfRangeRows, Allows) {
    const RangeRow& row = GetParam();
    EXPECT_EQ(if_range_allows(make(row.fields), row.v()), row.allows);
}

INSTANTIATE_TEST_SUITE_P(Rows, IfRangeRows, testing::ValuesIn(if_range_rows),
                         [](const testing::TestParamInfo<RangeRow>& i) { return i.param.name; });

// RFC 9110 section 8.8.2.2: a Last-Modified within the current second is weak (the
// representation may change again within it), so an If-Range with it does not hold.
TEST(IfRange, ADateInTheCurrentSecondIsWeakAndDoesNotHold) {
    const auto fields = make({{"If-Range", at_lm}});
    EXPECT_FALSE(if_range_allows(fields, current(), lm));
    EXPECT_TRUE(if_range_allows(fields, current(), lm + 1));
}

} // namespace
} // namespace quire::http
