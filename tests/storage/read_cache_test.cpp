// The read cache of the sqlite and git stores: two store objects on the same data, reads
// through one cached, writes through the other seen by it at once. A cache hit can only be
// observed as behaviour, so every read asserts what it serves.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testing.hpp"

namespace quire::storage::testing {
namespace {

template <class Backend>
class ReadCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = Backend::open(dir.path());
        ASSERT_TRUE(r) << r.error().message;
        reader = std::move(*r);
        auto w = Backend::open(dir.path());
        ASSERT_TRUE(w) << w.error().message;
        writer = std::move(*w);
    }

    // The body as open_document serves it, and the etag it comes with.
    std::pair<std::string, std::string> read_document(const std::string& path) {
        auto opened = reader->open_document(path);
        EXPECT_TRUE(opened) << path;
        if (!opened || !opened->body)
            return {};
        if (auto memory = opened->body->memory()) { // the same bytes as a plain read
            auto again = reader->open_read(path);
            EXPECT_TRUE(again);
            if (again) {
                EXPECT_EQ(*memory, *read_all(**again));
            }
        }
        auto bytes = read_all(*opened->body);
        EXPECT_TRUE(bytes);
        return {bytes ? *bytes : "", opened->meta.etag};
    }

    TempDir dir;
    std::unique_ptr<Store> reader;
    std::unique_ptr<Store> writer;
};

using Backends = ::testing::Types<SqliteBackend, GitBackend>;
TYPED_TEST_SUITE(ReadCacheTest, Backends, BackendNames);

TYPED_TEST(ReadCacheTest, PutsThroughTheOtherStoreAreSeenAtOnce) {
    auto first = put(*this->writer, "/doc.txt", "first version");
    ASSERT_TRUE(first);
    for (int i = 0; i < 2; ++i) { // the second read is a cache hit
        auto [bytes, etag] = this->read_document("/doc.txt");
        EXPECT_EQ(bytes, "first version");
        EXPECT_EQ(etag, first->etag);
        EXPECT_EQ(this->reader->stat("/doc.txt")->etag, first->etag);
    }
    auto second = put(*this->writer, "/doc.txt", "second");
    ASSERT_TRUE(second);
    auto [bytes, etag] = this->read_document("/doc.txt");
    EXPECT_EQ(bytes, "second");
    EXPECT_EQ(etag, second->etag);
    EXPECT_EQ(this->reader->stat("/doc.txt")->etag, second->etag);
    EXPECT_EQ(this->reader->stat("/doc.txt")->size, 6u);
    EXPECT_EQ(*get(*this->reader, "/doc.txt"), "second");
}

TYPED_TEST(ReadCacheTest, RangesOfACachedBody) {
    ASSERT_TRUE(put(*this->writer, "/doc.txt", "0123456789"));
    EXPECT_EQ(this->read_document("/doc.txt").first, "0123456789");
    auto body = this->reader->open_read("/doc.txt", ByteRange{2, 3});
    ASSERT_TRUE(body);
    EXPECT_EQ((*body)->length(), 3u);
    EXPECT_EQ((*body)->memory(), nullptr); // a part is not the whole document
    EXPECT_EQ(*read_all(**body), "234");
    auto tail = this->reader->open_read("/doc.txt", ByteRange{7, std::nullopt});
    ASSERT_TRUE(tail);
    EXPECT_EQ(*read_all(**tail), "789");
}

TYPED_TEST(ReadCacheTest, LargeBodiesAreServedAndReplaced) {
    const std::string big(100 * 1024, 'a');
    ASSERT_TRUE(put(*this->writer, "/big.bin", big));
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(this->read_document("/big.bin").first, big);
    const std::string other(20 * 1024, 'b');
    auto replaced = put(*this->writer, "/big.bin", other);
    ASSERT_TRUE(replaced);
    auto [bytes, etag] = this->read_document("/big.bin");
    EXPECT_EQ(bytes, other);
    EXPECT_EQ(etag, replaced->etag);
}

TYPED_TEST(ReadCacheTest, PropertiesPatchedThroughTheOtherStoreAreSeenAtOnce) {
    ASSERT_TRUE(put(*this->writer, "/doc.txt", "x"));
    for (int i = 0; i < 2; ++i) {
        auto props = this->reader->props("/doc.txt");
        ASSERT_TRUE(props);
        EXPECT_TRUE(props->empty());
    }
    const std::vector<PropOp> set = {{{"urn:x", "colour"}, "<c>blue</c>"}};
    ASSERT_TRUE(this->writer->patch_props("/doc.txt", set, "t"));
    for (int i = 0; i < 2; ++i) {
        auto props = this->reader->props("/doc.txt");
        ASSERT_TRUE(props);
        ASSERT_EQ(props->size(), 1u);
        EXPECT_EQ((*props)[0].value, "<c>blue</c>");
    }
    const std::vector<PropOp> remove = {{{"urn:x", "colour"}, std::nullopt}};
    ASSERT_TRUE(this->writer->patch_props("/doc.txt", remove, "t"));
    EXPECT_TRUE(this->reader->props("/doc.txt")->empty());
}

TYPED_TEST(ReadCacheTest, DeletesThroughTheOtherStoreAreSeenAtOnce) {
    ASSERT_TRUE(this->writer->mkcol("/c", "t"));
    ASSERT_TRUE(put(*this->writer, "/c/doc.txt", "x"));
    EXPECT_EQ(this->read_document("/c/doc.txt").first, "x");
    ASSERT_TRUE(this->reader->props("/c/doc.txt"));
    ASSERT_EQ(this->reader->list("/c")->size(), 1u);
    ASSERT_TRUE(this->writer->remove("/c/doc.txt", {}, "t"));
    EXPECT_EQ(this->reader->stat("/c/doc.txt").error().code, Errc::not_found);
    EXPECT_EQ(this->reader->open_document("/c/doc.txt").error().code, Errc::not_found);
    EXPECT_EQ(this->reader->open_read("/c/doc.txt").error().code, Errc::not_found);
    EXPECT_EQ(this->reader->props("/c/doc.txt").error().code, Errc::not_found);
    EXPECT_TRUE(this->reader->list("/c")->empty());
}

TYPED_TEST(ReadCacheTest, MovesThroughTheOtherStoreAreSeenAtOnce) {
    ASSERT_TRUE(this->writer->mkcol("/a", "t"));
    ASSERT_TRUE(this->writer->mkcol("/b", "t"));
    auto put_result = put(*this->writer, "/a/doc.txt", "moving");
    ASSERT_TRUE(put_result);
    const std::vector<PropOp> set = {{{"urn:x", "p"}, "v"}};
    ASSERT_TRUE(this->writer->patch_props("/a/doc.txt", set, "t"));
    EXPECT_EQ(this->read_document("/a/doc.txt").first, "moving");
    ASSERT_EQ(this->reader->props("/a/doc.txt")->size(), 1u);
    ASSERT_EQ(this->reader->list("/a")->size(), 1u);
    ASSERT_TRUE(this->reader->list("/b")->empty());
    EXPECT_EQ(this->reader->stat("/b/doc.txt").error().code, Errc::not_found);

    ASSERT_TRUE(this->writer->move("/a/doc.txt", "/b/doc.txt", false, "t"));
    EXPECT_EQ(this->reader->stat("/a/doc.txt").error().code, Errc::not_found);
    EXPECT_EQ(this->reader->open_document("/a/doc.txt").error().code, Errc::not_found);
    EXPECT_TRUE(this->reader->list("/a")->empty());
    auto [bytes, etag] = this->read_document("/b/doc.txt");
    EXPECT_EQ(bytes, "moving");
    EXPECT_EQ(etag, this->reader->stat("/b/doc.txt")->etag);
    auto props = this->reader->props("/b/doc.txt");
    ASSERT_TRUE(props);
    ASSERT_EQ(props->size(), 1u);
    EXPECT_EQ((*props)[0].value, "v");
    auto listed = this->reader->list("/b");
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].path, "/b/doc.txt");
}

TYPED_TEST(ReadCacheTest, ListingsWithAndWithoutProperties) {
    ASSERT_TRUE(this->writer->mkcol("/c", "t"));
    ASSERT_TRUE(put(*this->writer, "/c/one", "1"));
    ASSERT_TRUE(put(*this->writer, "/c/two", "22"));
    const std::vector<PropOp> set = {{{"urn:x", "p"}, "one"}};
    ASSERT_TRUE(this->writer->patch_props("/c/one", set, "t"));

    for (int i = 0; i < 2; ++i) { // without, then (served from a listing without) with them
        auto plain = this->reader->list("/c");
        ASSERT_TRUE(plain);
        ASSERT_EQ(plain->size(), 2u);
        EXPECT_TRUE((*plain)[0].props.empty());
        EXPECT_EQ((*plain)[1].size, 2u);
        auto rich = this->reader->list("/c", {.with_props = true});
        ASSERT_TRUE(rich);
        ASSERT_EQ(rich->size(), 2u);
        ASSERT_EQ((*rich)[0].props.size(), 1u);
        EXPECT_EQ((*rich)[0].props[0].value, "one");
        EXPECT_TRUE((*rich)[1].props.empty());
    }
    // A listing read with properties does not hand them to a request without.
    auto plain = this->reader->list("/c");
    ASSERT_TRUE(plain);
    EXPECT_TRUE((*plain)[0].props.empty());

    const std::vector<PropOp> change = {{{"urn:x", "p"}, "changed"}};
    ASSERT_TRUE(this->writer->patch_props("/c/one", change, "t"));
    auto three = put(*this->writer, "/c/three", "333");
    ASSERT_TRUE(three);
    auto rich = this->reader->list("/c", {.with_props = true});
    ASSERT_TRUE(rich);
    ASSERT_EQ(rich->size(), 3u);
    EXPECT_EQ((*rich)[0].props[0].value, "changed");
    EXPECT_EQ((*rich)[1].path, "/c/three");
    EXPECT_EQ((*rich)[1].etag, three->etag);
    ASSERT_EQ(this->reader->list("/c")->size(), 3u);
}

TYPED_TEST(ReadCacheTest, CollectionsAreOpenedWithoutABody) {
    ASSERT_TRUE(this->writer->mkcol("/c", "t"));
    for (int i = 0; i < 2; ++i) {
        auto opened = this->reader->open_document("/c");
        ASSERT_TRUE(opened);
        EXPECT_TRUE(opened->meta.collection);
        EXPECT_EQ(opened->body, nullptr);
        EXPECT_EQ(this->reader->open_read("/c").error().code, Errc::is_a_collection);
    }
    ASSERT_TRUE(this->writer->remove("/c", {}, "t"));
    ASSERT_TRUE(put(*this->writer, "/c", "now a document"));
    EXPECT_EQ(this->read_document("/c").first, "now a document");
}

std::string git_in(const std::string& dir, const std::string& args) {
    auto [out, status] = capture("git -C " + quote(dir) + " " + args + " 2>&1");
    EXPECT_EQ(status, 0) << "git " << args << ": " << out;
    return out;
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
}

// Commits pushed into the repository by plain git move the branch head: cached reads of the
// old head are not served.
TEST(GitReadCache, CommitsByPlainGitAreSeenAtTheNextRead) {
    TempDir dir;
    auto opened = GitBackend::open(dir.path());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& store = **opened;
    ASSERT_TRUE(store.mkcol("/cal", "t"));
    ASSERT_TRUE(put(store, "/cal/one.ics", "quire's"));
    const std::string repo = dir.path() + "/repo.git";
    const std::string work = dir.path() + "/work";
    ASSERT_EQ(run("git clone -q " + quote(repo) + " " + quote(work) + " 2>/dev/null"), 0);
    for (int i = 0; i < 2; ++i) { // cached
        auto doc = store.open_document("/cal/one.ics");
        ASSERT_TRUE(doc);
        EXPECT_EQ(*read_all(*doc->body), "quire's");
        ASSERT_EQ(store.list("/cal")->size(), 1u);
        EXPECT_EQ(store.stat("/cal/two.ics").error().code, Errc::not_found);
    }

    write_file(work + "/cal/one.ics", "edited by git");
    write_file(work + "/cal/two.ics", "added by git");
    git_in(work, "add -A");
    git_in(work, "-c user.name=Plain -c user.email=plain@example.org commit -qm elsewhere");
    git_in(work, "push -q origin HEAD:main");
    const std::string blob = git_in(work, "rev-parse HEAD:cal/one.ics");

    auto doc = store.open_document("/cal/one.ics");
    ASSERT_TRUE(doc);
    EXPECT_EQ(*read_all(*doc->body), "edited by git");
    EXPECT_EQ(doc->meta.etag + "\n", blob);
    EXPECT_EQ(store.stat("/cal/one.ics")->size, 13u);
    EXPECT_EQ(*get(store, "/cal/one.ics"), "edited by git");
    auto listed = store.list("/cal", {.with_props = true});
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[1].path, "/cal/two.ics");
    EXPECT_EQ(*get(store, "/cal/two.ics"), "added by git");

    // And plain git removing a file.
    git_in(work, "rm -q cal/two.ics");
    git_in(work, "-c user.name=Plain -c user.email=plain@example.org commit -qm gone");
    git_in(work, "push -q origin HEAD:main");
    EXPECT_EQ(store.stat("/cal/two.ics").error().code, Errc::not_found);
    EXPECT_EQ(store.open_document("/cal/two.ics").error().code, Errc::not_found);
    EXPECT_EQ(store.list("/cal")->size(), 1u);
}

} // namespace
} // namespace quire::storage::testing
