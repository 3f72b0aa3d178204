// Store::begin_put on every backend: pieces written as they come become the document only at
// finish(), a stream dropped unfinished leaves the old content and nothing else behind, and a
// missing parent is a conflict. On fs the pieces go straight beside the target.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "testing.hpp"

namespace quire::storage::testing {
namespace {

template <class Backend>
class PutStreamTest : public ::testing::Test {};

using Backends = ::testing::Types<FsBackend, FsQuickBackend, SqliteBackend, GitBackend>;
TYPED_TEST_SUITE(PutStreamTest, Backends, BackendNames);

Result<void> write(PutStream& stream, std::string_view piece) {
    return stream.write(std::as_bytes(std::span(piece.data(), piece.size())));
}

// What is in the fs backend's folder on disk, Quire's own metadata folder left out.
std::set<std::string> on_disk(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir + "/fs")) {
        const auto rel = std::filesystem::relative(e.path(), dir + "/fs").string();
        if (!rel.starts_with(".quire"))
            names.insert(rel);
    }
    return names;
}

constexpr bool is_fs(std::string_view name) {
    return name == "fs" || name == "fs_quick";
}

TYPED_TEST(PutStreamTest, PiecesBecomeTheDocumentOnlyAtFinish) {
    TempDir dir;
    auto store = TypeParam::open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    auto first = put(**store, "/d.txt", "old");
    ASSERT_TRUE(first) << first.error().message;

    auto stream = (*store)->begin_put("/d.txt");
    ASSERT_TRUE(stream) << stream.error().message;
    const std::string big(300 * 1024, 'b');
    for (std::string_view piece : {std::string_view("a"), std::string_view(big), {"c"}})
        ASSERT_TRUE(write(**stream, piece));
    EXPECT_EQ((*stream)->size(), big.size() + 2);
    EXPECT_EQ(get(**store, "/d.txt").value_or("?"), "old") << "visible before finish()";

    PutOptions options;
    options.content_type = "text/x-pieces";
    auto done = (*stream)->finish(options, "tester");
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_FALSE(done->created);
    EXPECT_NE(done->etag, first->etag);
    EXPECT_EQ(get(**store, "/d.txt").value_or("?"), "a" + big + "c");
    auto meta = (*store)->stat("/d.txt");
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->etag, done->etag);
    EXPECT_EQ(meta->content_type, "text/x-pieces");

    auto fresh = (*store)->begin_put("/new.txt");
    ASSERT_TRUE(fresh);
    ASSERT_TRUE(write(**fresh, "new"));
    auto created = (*fresh)->finish({}, "tester");
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_TRUE(created->created);
    EXPECT_EQ(get(**store, "/new.txt").value_or("?"), "new");
    if (is_fs(TypeParam::name)) {
        EXPECT_EQ(on_disk(dir.path()), (std::set<std::string>{"d.txt", "new.txt"}));
    }
    EXPECT_EQ(TypeParam::integrity(dir.path()), "");
}

TYPED_TEST(PutStreamTest, AStreamDroppedUnfinishedLeavesNoTrace) {
    TempDir dir;
    auto store = TypeParam::open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE(put(**store, "/d.txt", "old"));
    for (const char* path : {"/d.txt", "/never.txt"}) {
        auto stream = (*store)->begin_put(path);
        ASSERT_TRUE(stream) << stream.error().message;
        ASSERT_TRUE(write(**stream, std::string(200 * 1024, 'x')));
    } // dropped: the client went away in the middle of its body
    EXPECT_EQ(get(**store, "/d.txt").value_or("?"), "old");
    EXPECT_FALSE((*store)->stat("/never.txt"));
    auto listed = (*store)->list("/");
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().path, "/d.txt");
    if (is_fs(TypeParam::name)) {
        EXPECT_EQ(on_disk(dir.path()), (std::set<std::string>{"d.txt"}));
    }
    EXPECT_EQ(TypeParam::integrity(dir.path()), "");
}

// RFC 4918 section 9.7.1: a PUT below a missing collection is a conflict (409), whether the
// store finds out when the stream begins (fs: it opens the file beside the target) or when
// it finishes.
TYPED_TEST(PutStreamTest, AMissingParentIsAConflict) {
    TempDir dir;
    auto store = TypeParam::open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    auto stream = (*store)->begin_put("/missing/d.txt");
    if (stream) {
        ASSERT_TRUE(write(**stream, "x"));
        auto done = (*stream)->finish({}, "tester");
        ASSERT_FALSE(done);
        EXPECT_EQ(done.error().code, Errc::conflict) << done.error().message;
    } else {
        EXPECT_EQ(stream.error().code, Errc::conflict) << stream.error().message;
    }
    EXPECT_FALSE((*store)->stat("/missing"));
}

} // namespace
} // namespace quire::storage::testing
