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
    EXPECT_EQ(normalise("/.quire-x/b").error().code, Errc::forbidden);
    EXPECT_EQ(*normalise("/.quirerc"), "/.quirerc"); // only .quire and .quire-* are Quire's
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

// A document that replaced a collection of the same name (or the other way round) is two
// resources ("/a/" and "/a", RFC 4918 section 5.2): the client must learn that the old one is
// gone and that the new one is there, not one "modified" for both.
TEST(Coalesce, APathThatChangedTypeIsTheOldOneRemovedAndTheNewOneAdded) {
    const ChangeKind added = ChangeKind::added, modified = ChangeKind::modified,
                     removed = ChangeKind::removed;
    std::vector<Change> log = {
        // a document replaces a collection
        {"/a", removed, true},
        {"/a/m", removed, false},
        {"/a", added, false},
        // a collection replaces a document
        {"/b", removed, false},
        {"/b", added, true},
        {"/b/m", added, false},
        // and back again: the same type at both ends
        {"/c", removed, true},
        {"/c", added, false},
        {"/c", removed, false},
        {"/c", added, true},
        // a modified collection (flagged) later replaced by a document
        {"/d", modified, true},
        {"/d", removed, true},
        {"/d", added, false},
        // a modification logged without the flag (an older log), then the collection removed
        {"/e", modified, false},
        {"/e", removed, true},
        // the client knew a collection; a document came and went after it
        {"/f", removed, true},
        {"/f", added, false},
        {"/f", removed, false},
        // the same type at both ends, as before
        {"/g", removed, true},
        {"/g", added, true},
        {"/h", removed, false},
        {"/h", added, false},
    };
    std::vector<Change> want = {
        {"/a", removed, true},   {"/a", added, false},  {"/a/m", removed, false},
        {"/b", removed, false},  {"/b", added, false},  {"/b/m", added, false},
        {"/c", modified, false}, {"/d", removed, true}, {"/d", added, false},
        {"/e", removed, true},   {"/f", removed, true}, {"/g", modified, false},
        {"/h", modified, false},
    };
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
            log.push_back({paths[random() % paths.size()], kinds[random() % 3], random() % 2 == 0});
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
