// Tests for Range parsing (RFC 9110 section 14).
#include "http/range.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quire::http {
namespace {

enum class Kind { none, unsatisfiable, ranges };

struct Row {
    const char* name;
    std::string value;
    std::uint64_t size;
    Kind kind;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
};

// clang-format off
const Row rows[] = {
    {"first_last", "bytes=0-499", 10000, Kind::ranges, {{0, 499}}},
    {"second_500", "bytes=500-999", 10000, Kind::ranges, {{500, 999}}},
    {"open_ended", "bytes=9500-", 10000, Kind::ranges, {{9500, 9999}}},
    {"suffix", "bytes=-500", 10000, Kind::ranges, {{9500, 9999}}},
    {"suffix_larger_than_size", "bytes=-20000", 10000, Kind::ranges, {{0, 9999}}},
    {"last_clipped", "bytes=9000-20000", 10000, Kind::ranges, {{9000, 9999}}},
    {"single_byte", "bytes=0-0", 1, Kind::ranges, {{0, 0}}},
    {"last_byte", "bytes=-1", 10000, Kind::ranges, {{9999, 9999}}},
    {"unit_case_insensitive", "Bytes=0-1", 10, Kind::ranges, {{0, 1}}},
    {"list", "bytes=0-1,5-6", 10, Kind::ranges, {{0, 1}, {5, 6}}},
    {"list_ows", "bytes=0-1 ,\t5-6 , 8-", 10, Kind::ranges, {{0, 1}, {5, 6}, {8, 9}}},
    {"list_empty_elements", "bytes=,0-1,,5-6,", 10, Kind::ranges, {{0, 1}, {5, 6}}},
    // RFC 9110 section 15.3.7.2: the parts in the order asked for; a coalesced one where its
    // first member was asked for.
    {"request_order", "bytes=5-6,0-1", 10, Kind::ranges, {{5, 6}, {0, 1}}},
    {"request_order_coalesced", "bytes=8-9,4-5,0-1,5-6", 10, Kind::ranges, {{8, 9}, {4, 6}, {0, 1}}},
    {"overlap_coalesced", "bytes=0-4,2-7", 10, Kind::ranges, {{0, 7}}},
    {"adjacent_coalesced", "bytes=0-4,5-7", 10, Kind::ranges, {{0, 7}}},
    {"contained_coalesced", "bytes=0-9,2-3", 10, Kind::ranges, {{0, 9}}},
    {"suffix_and_first_coalesced", "bytes=0-0,-1", 1, Kind::ranges, {{0, 0}}},
    {"repeated_same_range", "bytes=0-0,0-0,0-0", 10, Kind::ranges, {{0, 0}}},
    {"one_unsatisfiable_in_list", "bytes=20-30,0-1", 10, Kind::ranges, {{0, 1}}},
    {"huge_last_pos", "bytes=0-99999999999999999999999", 10, Kind::ranges, {{0, 9}}},
    {"first_beyond_size", "bytes=10-", 10, Kind::unsatisfiable, {}},
    {"first_beyond_size_closed", "bytes=10-20", 10, Kind::unsatisfiable, {}},
    {"huge_first_pos", "bytes=99999999999999999999999-", 10, Kind::unsatisfiable, {}},
    {"suffix_zero", "bytes=-0", 10, Kind::unsatisfiable, {}},
    {"all_unsatisfiable", "bytes=20-30,40-", 10, Kind::unsatisfiable, {}},
    {"size_zero_first", "bytes=0-0", 0, Kind::unsatisfiable, {}},
    {"size_zero_suffix", "bytes=-5", 0, Kind::unsatisfiable, {}},
    {"size_zero_open", "bytes=0-", 0, Kind::unsatisfiable, {}},
    {"empty", "", 10, Kind::none, {}},
    {"other_unit", "items=0-1", 10, Kind::none, {}},
    {"no_equals", "bytes 0-1", 10, Kind::none, {}},
    {"space_before_equals", "bytes =0-1", 10, Kind::none, {}},
    {"empty_set", "bytes=", 10, Kind::none, {}},
    {"only_commas", "bytes=,,", 10, Kind::none, {}},
    {"no_dash", "bytes=5", 10, Kind::none, {}},
    {"just_dash", "bytes=-", 10, Kind::none, {}},
    {"last_before_first", "bytes=5-4", 10, Kind::none, {}},
    {"negative_suffix", "bytes=--5", 10, Kind::none, {}},
    {"letters", "bytes=a-b", 10, Kind::none, {}},
    {"plus_sign", "bytes=+1-2", 10, Kind::none, {}},
    {"inner_space", "bytes=0 -1", 10, Kind::none, {}},
    {"one_invalid_in_list", "bytes=0-1,x", 10, Kind::none, {}},
};
// clang-format on

class RangeRows : public testing::TestWithParam<Row> {};

TEST_P(RangeRows, Parse) {
    const Row& row = GetParam();
    RangeResult r = parse_range(row.value, row.size);
    switch (row.kind) {
    case Kind::none:
        EXPECT_TRUE(std::holds_alternative<NoRange>(r));
        break;
    case Kind::unsatisfiable:
        EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(r));
        break;
    case Kind::ranges: {
        auto* v = std::get_if<std::vector<ByteRange>>(&r);
        ASSERT_NE(v, nullptr);
        ASSERT_EQ(v->size(), row.ranges.size());
        for (std::size_t i = 0; i < v->size(); ++i) {
            EXPECT_EQ((*v)[i].first, row.ranges[i].first) << i;
            EXPECT_EQ((*v)[i].last, row.ranges[i].second) << i;
        }
        break;
    }
    }
}

INSTANTIATE_TEST_SUITE_P(Rows, RangeRows, testing::ValuesIn(rows),
                         [](const testing::TestParamInfo<Row>& i) { return i.param.name; });

TEST(Range, TooManyRangesIgnored) {
    std::string v = "bytes=";
    for (int i = 0; i < 5; ++i)
        v += std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1) + ",";
    EXPECT_TRUE(std::holds_alternative<std::vector<ByteRange>>(parse_range(v, 100, 5)));
    v += "90-91";
    EXPECT_TRUE(std::holds_alternative<NoRange>(parse_range(v, 100, 5)));
}

TEST(Range, DefaultMaxRanges) {
    std::string v = "bytes=0-0";
    for (int i = 1; i < 64; ++i)
        v += ",0-0";
    EXPECT_TRUE(std::holds_alternative<std::vector<ByteRange>>(parse_range(v, 100)));
    v += ",0-0";
    EXPECT_TRUE(std::holds_alternative<NoRange>(parse_range(v, 100)));
}

TEST(Range, LengthAndContentRange) {
    ByteRange r{500, 999};
    EXPECT_EQ(r.length(), 500u);
    EXPECT_EQ(content_range(r, 8000), "bytes 500-999/8000");
    EXPECT_EQ(content_range(ByteRange{0, 0}, 1), "bytes 0-0/1");
}

} // namespace
} // namespace quire::http
