#include <gtest/gtest.h>

#include "storage/common.hpp"
#include "storage/path.hpp"

namespace quire::storage {
namespace {

TEST(Path, NormaliseCollapsesSlashesAndTrailingSlash) {
    struct Case {
        const char* in;
        const char* out;
    };
    for (auto c : {Case{"", "/"}, Case{"/", "/"}, Case{"a", "/a"}, Case{"/a/b/", "/a/b"},
                   Case{"//a///b", "/a/b"}, Case{"/100% sure/ok", "/100% sure/ok"}}) {
        auto p = normalise(c.in);
        ASSERT_TRUE(p) << c.in;
        EXPECT_EQ(*p, c.out) << c.in;
    }
}

TEST(Path, NormaliseRejectsDotSegmentsReservedAndLongNames) {
    EXPECT_EQ(normalise("/a/../b").error().code, Errc::forbidden);
    EXPECT_EQ(normalise("/./b").error().code, Errc::forbidden);
    EXPECT_EQ(normalise("/.quire/meta.db").error().code, Errc::forbidden);
    EXPECT_EQ(normalise("/" + std::string(256, 'x')).error().code, Errc::name_too_long);
    EXPECT_TRUE(normalise("/" + std::string(255, 'x')));
}

// A path already in normal form takes a shortcut (one scan); it must still meet every check.
TEST(Path, NormaliseOfANormalPathIsThatPathOrTheSameError) {
    for (const char* p : {"/", "/a", "/a/b.txt", "/x.quire", "/a/.q", "/a b/%20/é"}) {
        auto n = normalise(p);
        ASSERT_TRUE(n) << p;
        EXPECT_EQ(*n, p);
    }
    const std::string longest(max_name_bytes, 'n');
    EXPECT_EQ(*normalise("/a/" + longest), "/a/" + longest);
    EXPECT_EQ(normalise("/a/" + longest + "n").error().code, Errc::name_too_long);
    EXPECT_EQ(normalise("/a/.quire").error().code, Errc::forbidden);
    EXPECT_EQ(normalise("/.quirex/b").error().code, Errc::forbidden);
    EXPECT_EQ(normalise("/a/./b").error().code, Errc::forbidden);
    EXPECT_EQ(normalise("/a/..").error().code, Errc::forbidden);
    EXPECT_EQ(normalise(std::string_view("/a\0b", 4)).error().code, Errc::forbidden);
}

TEST(Path, ParentNameAndWithin) {
    EXPECT_EQ(parent_of("/a/b"), "/a");
    EXPECT_EQ(parent_of("/a"), "/");
    EXPECT_EQ(name_of("/a/b"), "b");
    EXPECT_TRUE(is_within("/a/b", "/a"));
    EXPECT_TRUE(is_within("/a", "/a"));
    EXPECT_FALSE(is_within("/ab", "/a"));
    EXPECT_TRUE(is_within("/x", "/"));
    EXPECT_EQ(join("/", "a"), "/a");
    EXPECT_EQ(join("/a", "b"), "/a/b");
}

TEST(Coalesce, FoldsLogLikeATreeDiff) {
    std::vector<Change> log = {{"/a", ChangeKind::added},    {"/a", ChangeKind::modified},
                               {"/b", ChangeKind::added},    {"/b", ChangeKind::removed},
                               {"/c", ChangeKind::removed},  {"/c", ChangeKind::added},
                               {"/d", ChangeKind::modified}, {"/d", ChangeKind::removed}};
    std::vector<Change> want = {
        {"/a", ChangeKind::added}, {"/c", ChangeKind::modified}, {"/d", ChangeKind::removed}};
    EXPECT_EQ(coalesce(log), want);
}

TEST(Precondition, IfMatchAndIfNoneMatch) {
    std::optional<std::string> none;
    std::optional<std::string> e1 = "e1";
    EXPECT_TRUE(check_precondition({}, none));
    EXPECT_FALSE(check_precondition({.if_match = "*"}, none));
    EXPECT_TRUE(check_precondition({.if_match = "*"}, e1));
    EXPECT_TRUE(check_precondition({.if_match = "e1"}, e1));
    EXPECT_FALSE(check_precondition({.if_match = "e2"}, e1));
    EXPECT_TRUE(check_precondition({.if_none_match = "*"}, none));
    EXPECT_FALSE(check_precondition({.if_none_match = "*"}, e1));
    EXPECT_FALSE(check_precondition({.if_none_match = "e1"}, e1));
    EXPECT_TRUE(check_precondition({.if_none_match = "e2"}, e1));
}

} // namespace
} // namespace quire::storage
