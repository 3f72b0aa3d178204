// A full disk: writes into a small tmpfs fail with insufficient_storage and keep the old
// content.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <sys/stat.h>

#include "testing.hpp"

namespace quire::storage::testing {
namespace {

// Each test's store lives in root_, a folder on a 4 MiB tmpfs (the test skips, saying why,
// where none can be mounted).
template <class Backend>
class FullDiskTest : public ::testing::Test {
protected:
    void SetUp() override {
        disk_ = std::make_unique<SmallDisk>(dir_.path());
        QUIRE_SKIP_UNLESS_MOUNTED(*disk_);
        root_ = disk_->path() + "/store";
        ASSERT_EQ(::mkdir(root_.c_str(), 0700), 0);
    }
    std::string filler() const { return disk_->path() + "/filler"; }

    TempDir dir_;
    std::unique_ptr<SmallDisk> disk_;
    std::string root_;
};

using Backends = ::testing::Types<FsBackend, FsQuickBackend, SqliteBackend, GitBackend>;
TYPED_TEST_SUITE(FullDiskTest, Backends, BackendNames);

TYPED_TEST(FullDiskTest, WriteFailsTypedAndKeepsOldContent) {
    // Random bytes do not compress: git's zlib cannot make them fit either.
    std::string big(8 * 1024 * 1024, '\0');
    std::mt19937_64 rng(42);
    for (auto& c : big)
        c = static_cast<char>(rng());
    {
        auto store = TypeParam::open(this->root_);
        ASSERT_TRUE(store) << store.error().message;
        auto old = put(**store, "/doc", "old content");
        ASSERT_TRUE(old) << old.error().message;

        auto replaced = put(**store, "/doc", big);
        ASSERT_FALSE(replaced);
        EXPECT_EQ(replaced.error().code, Errc::insufficient_storage) << replaced.error().message;
        auto created = put(**store, "/new", big);
        ASSERT_FALSE(created);
        EXPECT_EQ(created.error().code, Errc::insufficient_storage) << created.error().message;
        // The message says the disk is full (git's last message can be an older one).
        for (const auto* e : {&replaced.error(), &created.error()}) {
            EXPECT_TRUE(e->message.find("No space left") != std::string::npos ||
                        e->message.find("disk is full") != std::string::npos)
                << e->message;
        }

        EXPECT_EQ(*get(**store, "/doc"), "old content");
        EXPECT_EQ((*store)->stat("/doc")->etag, old->etag);
        EXPECT_EQ((*store)->stat("/new").error().code, Errc::not_found);
        // Once the large write has failed, the space it took is free again.
        auto small = put(**store, "/after", "fits");
        EXPECT_TRUE(small) << small.error().message;
    }
    auto reopened = TypeParam::open(this->root_);
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ(*get(**reopened, "/doc"), "old content");
    EXPECT_EQ(TypeParam::integrity(this->root_), "");
}

// Reads go on while the disk is full: the fs store's quick journal cannot be folded then, and
// a listing came back empty (a sync client would have deleted everything on its side).
TYPED_TEST(FullDiskTest, ReadsAndListingsGoOnWhileTheDiskIsFull) {
    auto store = TypeParam::open(this->root_);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE(put(**store, "/a.txt", "alpha"));
    ASSERT_TRUE((*store)->mkcol("/dir", "test"));
    ASSERT_TRUE(put(**store, "/dir/b.txt", "beta")); // fs_quick: still in the journal
    fill(this->filler());

    auto listing = (*store)->list("/");
    ASSERT_TRUE(listing) << listing.error().message;
    EXPECT_EQ(listing->size(), 2u);
    auto below = (*store)->list("/dir");
    ASSERT_TRUE(below) << below.error().message;
    ASSERT_EQ(below->size(), 1u);
    EXPECT_EQ(below->front().path, "/dir/b.txt");
    EXPECT_EQ(*get(**store, "/dir/b.txt"), "beta");
    EXPECT_TRUE((*store)->sync_token("/"));
    auto refused = put(**store, "/c.txt", std::string(64 * 1024, 'c'));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::insufficient_storage) << refused.error().message;
}

// A disk another program filled to the last byte: a DELETE still goes through (the store's
// reserve makes room for what it records), so a client can free space over WebDAV, and the
// space is there for writes after it. git keeps every version: its DELETE frees nothing, and
// may itself be refused, but as a full disk (507), not as a fault (500).
TYPED_TEST(FullDiskTest, ADeleteOnADiskFilledToTheLastByteFreesSpace) {
    std::string big(1024 * 1024, '\0');
    std::mt19937_64 rng(7);
    for (auto& c : big)
        c = static_cast<char>(rng());
    auto store = TypeParam::open(this->root_);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE(put(**store, "/big", big));
    ASSERT_TRUE(put(**store, "/kept", "kept"));
    fill(this->filler());
    auto removed = (*store)->remove("/big", {}, "test");
    if (std::string(TypeParam::name) == "git") {
        if (!removed) {
            EXPECT_EQ(removed.error().code, Errc::insufficient_storage) << removed.error().message;
        }
        return;
    }
    ASSERT_TRUE(removed) << removed.error().message;
    auto after = put(**store, "/after", std::string(64 * 1024, 'a'));
    EXPECT_TRUE(after) << after.error().message;
    EXPECT_EQ(*get(**store, "/kept"), "kept");
    EXPECT_EQ(TypeParam::integrity(this->root_), "");
}

// A store opens on a full disk (what a crash left is settled with the reserve's room), and
// serves what it holds.
TYPED_TEST(FullDiskTest, AStoreOpensOnAFullDisk) {
    {
        auto store = TypeParam::open(this->root_);
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE(put(**store, "/a.txt", "alpha")); // fs_quick: in the journal
        fill(this->filler());
    }
    auto reopened = TypeParam::open(this->root_);
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ(*get(**reopened, "/a.txt"), "alpha");
    auto listing = (*reopened)->list("/");
    ASSERT_TRUE(listing) << listing.error().message;
    EXPECT_EQ(listing->size(), 1u);
}

// A body written as it arrives (begin_put) into a full disk: the piece that does not fit fails
// typed; the stream dropped gives its space back, and the old content stays. On fs the pieces
// go to the share's own disk; the other backends spool them under TMPDIR, so only their
// finish() meets the full disk.
TYPED_TEST(FullDiskTest, APutStreamIntoAFullDiskFailsAndFreesItsSpace) {
    auto store = TypeParam::open(this->root_);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE(put(**store, "/doc", "old content"));
    std::string piece(256 * 1024, '\0');
    std::mt19937_64 rng(7);
    for (auto& c : piece)
        c = static_cast<char>(rng());
    std::optional<Error> failed;
    {
        auto stream = (*store)->begin_put("/doc");
        ASSERT_TRUE(stream) << stream.error().message;
        for (int i = 0; i < 32 && !failed; ++i) { // 8 MiB into 4
            if (auto ok = (*stream)->write(std::as_bytes(std::span(piece.data(), piece.size())));
                !ok)
                failed = ok.error();
        }
        if (!failed) {
            auto done = (*stream)->finish({}, "t");
            ASSERT_FALSE(done);
            failed = done.error();
        }
    }
    EXPECT_EQ(failed->code, Errc::insufficient_storage) << failed->message;
    EXPECT_EQ(*get(**store, "/doc"), "old content");
    auto small = put(**store, "/doc", std::string(512 * 1024, 's'));
    EXPECT_TRUE(small) << "the dropped stream kept its space: " << small.error().message;
    EXPECT_EQ(TypeParam::integrity(this->root_), "");
}

} // namespace
} // namespace quire::storage::testing
