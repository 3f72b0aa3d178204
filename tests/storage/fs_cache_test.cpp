// The fs store's cache of open files and properties (cache_ttl > 0): writes through Quire,
// from this store or another one on the same folder, are seen at once; files edited by other
// tools after at most the time to live; what a read serves is bytes and etag of one version.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <thread>

#include "storage/fs/fs_store.hpp"
#include "testing.hpp"

namespace quire::storage::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto ttl = 200ms;

std::unique_ptr<Store> open_cached(const std::string& dir) {
    auto store = fs::open(dir, {.durable = false, .cache_ttl = ttl});
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
}

// The body as open_document serves it, and the etag it comes with.
std::pair<std::string, std::string> read_document(Store& store, const std::string& path) {
    auto opened = store.open_document(path);
    EXPECT_TRUE(opened) << path;
    if (!opened || !opened->body)
        return {};
    auto bytes = read_all(*opened->body);
    EXPECT_TRUE(bytes);
    return {bytes ? *bytes : "", opened->meta.etag};
}

// A file too large for its bytes to be cached is sent from the cached descriptor; rewritten in
// place by another program (shrunk, grown) within the time to live, it is looked at again:
// the length and etag served are those of the bytes served, never a body cut short.
TEST(FsCache, AFileRewrittenInPlaceIsNotServedWithItsOldLength) {
    TempDir dir;
    auto store = fs::open(dir.path(), {.durable = false, .cache_ttl = std::chrono::hours(1)});
    ASSERT_TRUE(store) << store.error().message;
    const std::string big(64 * 1024, 'b');
    auto first = put(**store, "/big.bin", big);
    ASSERT_TRUE(first);
    for (int i = 0; i < 2; ++i) { // the second read is a cache hit
        auto [bytes, etag] = read_document(**store, "/big.bin");
        EXPECT_EQ(bytes, big);
        EXPECT_EQ(etag, first->etag);
    }
    for (const std::string& now : {std::string(20 * 1024, 's'), std::string(100 * 1024, 'g')}) {
        { // rewritten in place, as an editor without atomic saves does
            std::ofstream out(dir.path() + "/big.bin", std::ios::binary | std::ios::trunc);
            out << now;
        }
        auto opened = (*store)->open_document("/big.bin");
        ASSERT_TRUE(opened);
        EXPECT_EQ(opened->meta.size, now.size());
        EXPECT_NE(opened->meta.etag, first->etag);
        auto bytes = read_all(*opened->body);
        ASSERT_TRUE(bytes);
        EXPECT_EQ(bytes->size(), now.size());
        EXPECT_EQ(*bytes, now);
    }
}

TEST(FsCache, WritesThroughAnyStoreOnTheFolderAreSeenAtOnce) {
    TempDir dir;
    auto reader = open_cached(dir.path());
    auto writer = open_cached(dir.path());
    ASSERT_TRUE(reader && writer);
    auto first = put(*writer, "/doc.txt", "first version");
    ASSERT_TRUE(first);
    for (int i = 0; i < 2; ++i) { // the second read is a cache hit
        auto [bytes, etag] = read_document(*reader, "/doc.txt");
        EXPECT_EQ(bytes, "first version");
        EXPECT_EQ(etag, first->etag);
    }
    auto second = put(*writer, "/doc.txt", "second");
    ASSERT_TRUE(second);
    auto [bytes, etag] = read_document(*reader, "/doc.txt");
    EXPECT_EQ(bytes, "second");
    EXPECT_EQ(etag, second->etag);
    EXPECT_EQ(reader->stat("/doc.txt")->etag, second->etag);

    // Dead properties set by the other store are served, not the cached empty set.
    ASSERT_TRUE(reader->props("/doc.txt"));
    const std::vector<PropOp> ops = {{{"urn:x", "colour"}, "<c>blue</c>"}};
    ASSERT_TRUE(writer->patch_props("/doc.txt", ops, "t"));
    auto props = reader->props("/doc.txt");
    ASSERT_TRUE(props);
    ASSERT_EQ(props->size(), 1u);
    EXPECT_EQ((*props)[0].value, "<c>blue</c>");

    ASSERT_TRUE(writer->remove("/doc.txt", {}, "t"));
    EXPECT_EQ(reader->stat("/doc.txt").error().code, Errc::not_found);
    EXPECT_EQ(reader->open_document("/doc.txt").error().code, Errc::not_found);
}

TEST(FsCache, FilesEditedByHandAreSeenAfterTheTimeToLive) {
    TempDir dir;
    auto store = open_cached(dir.path());
    ASSERT_TRUE(store);
    auto written = put(*store, "/note.txt", "by quire");
    ASSERT_TRUE(written);
    EXPECT_EQ(read_document(*store, "/note.txt").first, "by quire");
    std::ofstream(dir.path() + "/note.txt", std::ios::binary | std::ios::trunc)
        << "by hand, longer";
    std::this_thread::sleep_for(ttl + 100ms);
    auto [bytes, etag] = read_document(*store, "/note.txt");
    EXPECT_EQ(bytes, "by hand, longer");
    EXPECT_NE(etag, written->etag);
    auto meta = store->stat("/note.txt");
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->size, 15u);
    // A write with the old etag as precondition is refused: writes never trust the cache.
    EXPECT_EQ(put(*store, "/note.txt", "x", {.if_match = written->etag}).error().code,
              Errc::precondition_failed);
}

TEST(FsCache, LargeFilesAreServedFromTheirDescriptorAndCollectionsHaveNoBody) {
    TempDir dir;
    auto store = open_cached(dir.path());
    ASSERT_TRUE(store);
    const std::string big(100 * 1024, 'b'); // above the size whose bytes are kept
    ASSERT_TRUE(put(*store, "/big.bin", big));
    for (int i = 0; i < 2; ++i) {
        auto opened = store->open_document("/big.bin");
        ASSERT_TRUE(opened);
        EXPECT_EQ(opened->body->memory(), nullptr);
        ASSERT_TRUE(opened->body->file());
        EXPECT_EQ(opened->body->file()->length, big.size());
        EXPECT_EQ(*read_all(*opened->body), big);
    }
    ASSERT_TRUE(put(*store, "/small.txt", "tiny"));
    (void)store->open_document("/small.txt");
    auto small = store->open_document("/small.txt");
    ASSERT_TRUE(small);
    ASSERT_NE(small->body->memory(), nullptr);
    EXPECT_EQ(*small->body->memory(), "tiny");
    ASSERT_TRUE(store->mkcol("/folder", "t"));
    for (int i = 0; i < 2; ++i) {
        auto folder = store->open_document("/folder");
        ASSERT_TRUE(folder);
        EXPECT_TRUE(folder->meta.collection);
        EXPECT_EQ(folder->body, nullptr);
    }
}

TEST(FsCache, MediaTypesFollowEveryPutIncludingTheDefault) {
    TempDir dir;
    auto store = open_cached(dir.path());
    ASSERT_TRUE(store);
    MemorySource typed("a");
    ASSERT_TRUE(store->put("/doc", typed, {.content_type = "text/plain"}, "t"));
    EXPECT_EQ(store->stat("/doc")->content_type, "text/plain");
    EXPECT_EQ(store->open_document("/doc")->meta.content_type, "text/plain");
    MemorySource untyped("b"); // the default type is not stored, the old one must still go
    ASSERT_TRUE(store->put("/doc", untyped, {.content_type = "application/octet-stream"}, "t"));
    EXPECT_EQ(store->stat("/doc")->content_type, "application/octet-stream");
    EXPECT_EQ((*store->list("/"))[0].content_type, "application/octet-stream");
    auto reopened = open_cached(dir.path());
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->stat("/doc")->content_type, "application/octet-stream");
}

TEST(FsCache, ListingsFollowWritesAtOnceAndHandEditsAfterTheTimeToLive) {
    TempDir dir;
    auto reader = open_cached(dir.path());
    auto writer = open_cached(dir.path());
    ASSERT_TRUE(reader && writer);
    ASSERT_TRUE(writer->mkcol("/c", "t"));
    ASSERT_TRUE(put(*writer, "/c/a.txt", "a"));
    const std::vector<PropOp> ops = {{{"urn:x", "colour"}, "<c>red</c>"}};
    ASSERT_TRUE(writer->patch_props("/c/a.txt", ops, "t"));
    for (int i = 0; i < 2; ++i) { // the second listing is a cache hit
        auto plain = reader->list("/c");
        ASSERT_TRUE(plain);
        ASSERT_EQ(plain->size(), 1u);
        EXPECT_TRUE((*plain)[0].props.empty()); // not asked for
        auto with_props = reader->list("/c", {.with_props = true});
        ASSERT_TRUE(with_props);
        ASSERT_EQ(with_props->size(), 1u);
        ASSERT_EQ((*with_props)[0].props.size(), 1u);
        EXPECT_EQ((*with_props)[0].props[0].value, "<c>red</c>");
    }
    ASSERT_TRUE(put(*writer, "/c/b.txt", "b"));
    EXPECT_EQ(reader->list("/c")->size(), 2u);
    ASSERT_TRUE(writer->remove("/c/a.txt", {}, "t"));
    EXPECT_EQ(reader->list("/c")->size(), 1u);

    std::ofstream(dir.path() + "/c/by-hand.txt") << "x";
    std::this_thread::sleep_for(ttl + 100ms);
    EXPECT_EQ(reader->list("/c")->size(), 2u);
}

// Cached descriptors stay within a quarter of the open-files limit: reading more distinct
// files than the limit allows descriptors never fails for want of one.
TEST(FsCache, CachedDescriptorsStayWithinTheOpenFilesLimit) {
    TempDir dir;
    auto store = open_cached(dir.path()); // opened before the limit drops: it has its handles
    ASSERT_TRUE(store);
    constexpr int files = 300;
    for (int i = 0; i < files; ++i)
        std::ofstream(dir.path() + "/f" + std::to_string(i)) << i;
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    auto limited = open_cached(dir.path()); // sizes its cache for the lower limit
    bool all_read = bool(limited);
    for (int i = 0; all_read && i < files; ++i) {
        auto opened = limited->open_document("/f" + std::to_string(i));
        all_read = opened && opened->body;
    }
    const auto open_fds = std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                        std::filesystem::directory_iterator());
    limited.reset();
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    EXPECT_TRUE(all_read);
    EXPECT_LT(open_fds, 256);
}

} // namespace
} // namespace quire::storage::testing
