// The fs store and symbolic links that other programs put into the share: a link that stays
// inside is followed; one that leads out is refused for every read and every write, and
// nothing outside the share is read, made, changed or removed through it.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "storage/fs/fs_store.hpp"
#include "testing.hpp"

namespace quire::storage::testing {
namespace {

namespace stdfs = std::filesystem;

std::string slurp(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

// durable: the intent path; not durable: the quick journal and the PUT through .quire/tmp.
class FsSymlinkTest : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        outside_ = dir_.path() + "/outside";
        share_ = dir_.path() + "/share";
        stdfs::create_directories(outside_ + "/dir");
        stdfs::create_directories(share_ + "/sub");
        write_file(outside_ + "/secret.txt", "secret");
        write_file(outside_ + "/dir/victim.txt", "victim");
        write_file(share_ + "/doc.txt", "inside");
        // Leading out: relative, absolute, to a folder.
        stdfs::create_symlink("../outside/secret.txt", share_ + "/out-rel");
        stdfs::create_symlink(outside_ + "/secret.txt", share_ + "/out-abs");
        stdfs::create_symlink(outside_ + "/dir", share_ + "/out-dir");
        // Staying inside: relative, absolute, to a folder; and one that leads nowhere.
        stdfs::create_symlink("doc.txt", share_ + "/in-rel");
        stdfs::create_symlink(share_ + "/doc.txt", share_ + "/in-abs");
        stdfs::create_symlink("sub", share_ + "/in-dir");
        stdfs::create_symlink("missing", share_ + "/dangling");
        store_ = open_share(false);
        ASSERT_TRUE(store_);
    }

    std::unique_ptr<Store> open_share(bool follow) {
        auto store = fs::open(share_, {.durable = GetParam(), .follow_symlinks = follow});
        EXPECT_TRUE(store) << store.error().message;
        return store ? std::move(*store) : nullptr;
    }

    // Nothing outside the share changed, and nothing was made there.
    void expect_outside_untouched() {
        EXPECT_EQ(slurp(outside_ + "/secret.txt"), "secret");
        EXPECT_EQ(slurp(outside_ + "/dir/victim.txt"), "victim");
        std::vector<std::string> names;
        for (const auto& e : stdfs::recursive_directory_iterator(outside_))
            names.push_back(e.path().string().substr(outside_.size()));
        std::sort(names.begin(), names.end());
        EXPECT_EQ(names, (std::vector<std::string>{"/dir", "/dir/victim.txt", "/secret.txt"}));
    }

    static void expect_forbidden(const auto& result, const std::string& what) {
        ASSERT_FALSE(result) << what << " went through a link out of the share";
        EXPECT_EQ(result.error().code, Errc::forbidden) << what << ": " << result.error().message;
    }

    TempDir dir_;
    std::string outside_;
    std::string share_;
    std::unique_ptr<Store> store_;
};

TEST_P(FsSymlinkTest, ReadsThroughALinkOutOfTheShareAreRefused) {
    for (const std::string path : {"/out-rel", "/out-abs"}) {
        expect_forbidden(get(*store_, path), "GET " + path);
        expect_forbidden(store_->stat(path), "stat " + path);
        expect_forbidden(store_->open_read(path, std::nullopt), "open_read " + path);
        expect_forbidden(store_->props(path), "props " + path);
    }
    expect_forbidden(store_->list("/out-dir", {}), "list /out-dir");
    expect_forbidden(get(*store_, "/out-dir/victim.txt"), "GET /out-dir/victim.txt");
    expect_forbidden(store_->stat("/out-dir/victim.txt"), "stat /out-dir/victim.txt");
}

TEST_P(FsSymlinkTest, LinksThatStayInsideAreFollowedAndListed) {
    EXPECT_EQ(get(*store_, "/in-rel").value_or("error"), "inside");
    EXPECT_EQ(get(*store_, "/in-abs").value_or("error"), "inside");
    auto folder = store_->stat("/in-dir");
    ASSERT_TRUE(folder) << folder.error().message;
    EXPECT_TRUE(folder->collection);
    ASSERT_TRUE(put(*store_, "/in-dir/new.txt", "through a link inside"));
    EXPECT_EQ(slurp(share_ + "/sub/new.txt"), "through a link inside");

    auto listed = store_->list("/", {});
    ASSERT_TRUE(listed) << listed.error().message;
    std::vector<std::string> names;
    for (const auto& m : *listed)
        names.push_back(m.path);
    std::sort(names.begin(), names.end());
    // The links out of the share and the dangling one are not shown.
    EXPECT_EQ(names,
              (std::vector<std::string>{"/doc.txt", "/in-abs", "/in-dir", "/in-rel", "/sub"}));
    expect_outside_untouched();
}

TEST_P(FsSymlinkTest, WritesThroughALinkedFolderOutOfTheShareAreRefused) {
    expect_forbidden(put(*store_, "/out-dir/planted.txt", "planted"), "PUT /out-dir/planted.txt");
    expect_forbidden(put(*store_, "/out-dir/victim.txt", "changed"), "PUT /out-dir/victim.txt");
    if (auto now = store_->try_put_now("/out-dir/planted2.txt", "planted", {}, ""))
        expect_forbidden(*now, "quick PUT /out-dir/planted2.txt");
    expect_forbidden(store_->mkcol("/out-dir/made", ""), "MKCOL /out-dir/made");
    expect_forbidden(store_->remove("/out-dir/victim.txt", {}, ""), "DELETE /out-dir/victim.txt");
    expect_forbidden(store_->move("/out-dir/victim.txt", "/stolen.txt", false, ""),
                     "MOVE /out-dir/victim.txt");
    if (auto now = store_->try_move_now("/out-dir/victim.txt", "/stolen2.txt", false, ""))
        expect_forbidden(*now, "quick MOVE /out-dir/victim.txt");
    expect_forbidden(store_->move("/doc.txt", "/out-dir/planted.txt", false, ""),
                     "MOVE onto /out-dir/planted.txt");
    expect_forbidden(store_->copy("/doc.txt", "/out-dir/planted.txt", Depth::infinity, false, ""),
                     "COPY onto /out-dir/planted.txt");
    expect_forbidden(store_->copy("/out-dir", "/copied", Depth::infinity, false, ""),
                     "COPY of /out-dir");
    expect_forbidden(
        store_->patch_props("/out-rel", std::vector<PropOp>{{{"urn:x", "p"}, "v"}}, ""),
        "PROPPATCH /out-rel");
    // A PUT onto the link's own name refuses too: the name stands for what it leads to.
    expect_forbidden(put(*store_, "/out-rel", "changed"), "PUT /out-rel");

    expect_outside_untouched();
    EXPECT_EQ(slurp(share_ + "/doc.txt"), "inside");
    EXPECT_FALSE(stdfs::exists(share_ + "/stolen.txt"));
    EXPECT_FALSE(stdfs::exists(share_ + "/stolen2.txt"));
    EXPECT_FALSE(stdfs::exists(share_ + "/copied"));
}

TEST_P(FsSymlinkTest, ACopiedFolderLeavesOutLinksOutOfTheShare) {
    ASSERT_TRUE(store_->mkcol("/col", ""));
    ASSERT_TRUE(put(*store_, "/col/own.txt", "own"));
    stdfs::create_symlink(outside_ + "/secret.txt", share_ + "/col/leak");
    stdfs::create_symlink(outside_ + "/dir", share_ + "/col/leak-dir");
    stdfs::create_symlink("../doc.txt", share_ + "/col/near");

    auto copied = store_->copy("/col", "/col2", Depth::infinity, false, "");
    ASSERT_TRUE(copied) << copied.error().message;
    EXPECT_EQ(slurp(share_ + "/col2/own.txt"), "own");
    // A link inside is copied as what a GET of it shows.
    EXPECT_EQ(slurp(share_ + "/col2/near"), "inside");
    EXPECT_FALSE(stdfs::is_symlink(share_ + "/col2/near"));
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(share_ + "/col2/leak")));
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(share_ + "/col2/leak-dir")));

    // Removing the folder removes the links, not what they lead to.
    ASSERT_TRUE(store_->remove("/col", {}, ""));
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(share_ + "/col")));
    expect_outside_untouched();
}

TEST_P(FsSymlinkTest, FollowSymlinksLetsLinksLeadOut) {
    store_.reset();
    auto store = open_share(true);
    ASSERT_TRUE(store);
    EXPECT_EQ(get(*store, "/out-rel").value_or("error"), "secret");
    EXPECT_EQ(get(*store, "/out-dir/victim.txt").value_or("error"), "victim");
    auto listed = store->list("/out-dir", {});
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].path, "/out-dir/victim.txt");
}

// The store's own folder .quire is reserved by name; a link inside the share that leads into
// it is as if it were not there, so its database can be neither read nor written over WebDAV.
TEST_P(FsSymlinkTest, ALinkIntoTheMetadataFolderLeadsNowhere) {
    ASSERT_TRUE(put(*store_, "/doc2.txt", "a change")); // meta.db exists and is written
    const auto before = slurp(share_ + "/.quire/meta.db");
    ASSERT_FALSE(before.empty());
    stdfs::create_symlink(".quire", share_ + "/meta-dir");
    stdfs::create_symlink(share_ + "/.quire/meta.db", share_ + "/meta-file");
    for (const std::string path : {"/meta-dir", "/meta-file", "/meta-dir/meta.db"}) {
        auto got = store_->stat(path);
        ASSERT_FALSE(got) << path << " was reached";
        EXPECT_EQ(got.error().code, Errc::not_found) << path << ": " << got.error().message;
    }
    EXPECT_FALSE(put(*store_, "/meta-dir/meta.db", "overwritten"));
    EXPECT_FALSE(put(*store_, "/meta-dir/planted", "planted"));
    EXPECT_FALSE(store_->remove("/meta-file", {}, ""));
    EXPECT_TRUE(stdfs::is_regular_file(share_ + "/.quire/meta.db"));
    EXPECT_FALSE(stdfs::exists(share_ + "/.quire/planted"));
    auto listed = store_->list("/", {});
    ASSERT_TRUE(listed) << listed.error().message;
    for (const auto& m : *listed)
        EXPECT_FALSE(m.path.starts_with("/meta-")) << m.path << " is listed";
}
// Writes below the top keep their folder's descriptor (FolderCache) for cache_ttl; a folder
// moved, replaced or removed through any store on the share must not be written through a
// descriptor kept from before: the write goes where the path names now.
TEST_P(FsSymlinkTest, AFolderChangedThroughAnyStoreIsNotWrittenThroughAnOldDescriptor) {
    store_.reset();
    auto open_cached = [&] {
        auto store = fs::open(share_, {.durable = GetParam(), .cache_ttl = std::chrono::hours(1)});
        EXPECT_TRUE(store) << store.error().message;
        return store ? std::move(*store) : nullptr;
    };
    auto writer = open_cached();
    auto other = open_cached(); // another process on the same share
    ASSERT_TRUE(writer && other);
    ASSERT_TRUE(writer->mkcol("/f", ""));
    ASSERT_TRUE(put(*writer, "/f/one.txt", "1")); // keeps /f's descriptor

    ASSERT_TRUE(other->move("/f", "/g", false, ""));
    auto orphan = put(*writer, "/f/two.txt", "2");
    ASSERT_FALSE(orphan) << "written into the moved folder";
    EXPECT_EQ(orphan.error().code, Errc::conflict);
    EXPECT_FALSE(stdfs::exists(share_ + "/g/two.txt"));
    if (auto now = writer->try_put_now("/f/three.txt", "3", {}, "")) {
        EXPECT_FALSE(*now);
    }
    EXPECT_FALSE(stdfs::exists(share_ + "/g/three.txt"));

    ASSERT_TRUE(writer->mkcol("/f", ""));
    ASSERT_TRUE(put(*writer, "/f/four.txt", "4")); // keeps the new /f
    ASSERT_TRUE(other->remove("/f", {}, ""));
    ASSERT_TRUE(other->mkcol("/f", ""));
    ASSERT_TRUE(put(*writer, "/f/five.txt", "5")) << "written into the removed folder";
    EXPECT_EQ(slurp(share_ + "/f/five.txt"), "5");

    ASSERT_TRUE(put(*writer, "/g/six.txt", "6"));                    // keeps /g
    ASSERT_TRUE(other->copy("/f", "/g", Depth::infinity, true, "")); // /g replaced
    ASSERT_TRUE(put(*writer, "/g/seven.txt", "7"));
    EXPECT_EQ(slurp(share_ + "/g/seven.txt"), "7");
    EXPECT_EQ(slurp(share_ + "/g/five.txt"), "5");
    EXPECT_FALSE(stdfs::exists(share_ + "/g/six.txt"));
    auto moved = writer->move("/g/seven.txt", "/g/eight.txt", false, "");
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(slurp(share_ + "/g/eight.txt"), "7");

    // Another program removes the folder and makes it again: a write is never reported done
    // and then missing.
    stdfs::remove_all(share_ + "/g");
    stdfs::create_directory(share_ + "/g");
    auto after = put(*writer, "/g/nine.txt", "9");
    ASSERT_TRUE(after) << after.error().message;
    EXPECT_EQ(slurp(share_ + "/g/nine.txt"), "9") << "reported written, but lost";
    if (auto now = writer->try_put_now("/g/ten.txt", "10", {}, "")) {
        ASSERT_TRUE(*now) << (*now).error().message;
        EXPECT_EQ(slurp(share_ + "/g/ten.txt"), "10") << "reported written, but lost";
    }

    // The quick PUT and MOVE use a kept descriptor without checking it first: a folder
    // removed and made again, with a document in it, must still be found through its path.
    // An overwrite whose If-Match names that document's etag is not refused as if it were
    // missing, and a move of it is not answered 404.
    ASSERT_TRUE(put(*writer, "/g/eleven.txt", "11")); // keeps the current /g
    stdfs::remove_all(share_ + "/g");
    stdfs::create_directory(share_ + "/g");
    write_file(share_ + "/g/twelve.txt", "12");
    auto twelve = other->stat("/g/twelve.txt"); // not through the writer: it would look again
    ASSERT_TRUE(twelve) << twelve.error().message;
    PutOptions if_match;
    if_match.precondition.if_match = twelve->etag;
    auto over = writer->try_put_now("/g/twelve.txt", "12 again", if_match, "");
    if (over) {
        ASSERT_TRUE(*over) << (*over).error().message;
    } else {
        auto put_again = put(*writer, "/g/twelve.txt", "12 again", if_match.precondition);
        ASSERT_TRUE(put_again) << put_again.error().message;
    }
    EXPECT_EQ(slurp(share_ + "/g/twelve.txt"), "12 again");

    ASSERT_TRUE(put(*writer, "/g/thirteen.txt", "13")); // keeps the current /g again
    stdfs::remove_all(share_ + "/g");
    stdfs::create_directory(share_ + "/g");
    write_file(share_ + "/g/fourteen.txt", "14");
    auto now_moved = writer->try_move_now("/g/fourteen.txt", "/g/fifteen.txt", false, "");
    if (!now_moved)
        now_moved = writer->move("/g/fourteen.txt", "/g/fifteen.txt", false, "");
    ASSERT_TRUE(*now_moved) << (*now_moved).error().message;
    EXPECT_EQ(slurp(share_ + "/g/fifteen.txt"), "14");
    EXPECT_FALSE(stdfs::exists(share_ + "/g/fourteen.txt"));
}

INSTANTIATE_TEST_SUITE_P(Fs, FsSymlinkTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "durable" : "quick"; });

} // namespace
} // namespace quire::storage::testing
