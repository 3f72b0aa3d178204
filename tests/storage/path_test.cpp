#include <gtest/gtest.h>

#include <random>

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

// A batch logged with only each path's first and last change folds like the whole batch in
// every window that contains it (tokens fall only between batches): random logs over a few
// paths, every prefix and suffix around the batch.
TEST(Coalesce, FirstAndLastPerPathFoldLikeTheWholeBatch) {
    std::mt19937 random(7);
    const std::vector<std::string> paths = {"/a", "/b", "/c"};
    const ChangeKind kinds[] = {ChangeKind::added, ChangeKind::modified, ChangeKind::removed};
    auto random_log = [&](std::size_t n) {
        std::vector<Change> log;
        for (std::size_t i = 0; i < n; ++i)
            log.push_back({paths[random() % paths.size()], kinds[random() % 3]});
        return log;
    };
    auto join_logs = [](std::vector<Change> a, const std::vector<Change>& b,
                        const std::vector<Change>& c) {
        a.insert(a.end(), b.begin(), b.end());
        a.insert(a.end(), c.begin(), c.end());
        return a;
    };
    std::size_t shortened = 0;
    for (int round = 0; round < 2000; ++round) {
        const auto before = random_log(random() % 4);
        const auto batch = random_log(random() % 12);
        const auto after = random_log(random() % 4);
        const auto kept = first_and_last_per_path(batch);
        shortened += kept.size() < batch.size();
        ASSERT_EQ(coalesce(join_logs(before, kept, after)),
                  coalesce(join_logs(before, batch, after)))
            << "round " << round;
    }
    EXPECT_GT(shortened, 100u) << "the batches were not shortened";
    const std::vector<Change> batch = {{"/a", ChangeKind::added},   {"/b", ChangeKind::removed},
                                       {"/a", ChangeKind::removed}, {"/a", ChangeKind::added},
                                       {"/b", ChangeKind::added},   {"/a", ChangeKind::modified}};
    const std::vector<Change> want = {{"/a", ChangeKind::added},
                                      {"/b", ChangeKind::removed},
                                      {"/b", ChangeKind::added},
                                      {"/a", ChangeKind::modified}};
    EXPECT_EQ(first_and_last_per_path(batch), want);
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
