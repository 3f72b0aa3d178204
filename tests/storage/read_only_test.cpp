// A share opened read-only (storage::read_only over a backend's read_only open): everything
// written before reads back, every write is refused, and nothing in the folder is made or
// changed. Tests run as root, where chmod does not stop writes: the folder is made unwritable
// all the same, and what is on disk is compared before and after.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sched.h>
#include <string>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

#include "storage/fs/fs_store.hpp"
#include "storage/git/git_store.hpp"
#include "storage/read_only_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "testing.hpp"

namespace quire::storage::testing {
namespace {

// What a backend's read-only open is, beside its writable one (testing.hpp).
struct FsReadOnly : FsBackend {
    static Result<std::unique_ptr<Store>> open_read_only(const std::string& dir) {
        return fs::open(dir + "/fs", {.read_only = true});
    }
};
struct FsQuickReadOnly : FsQuickBackend {
    static Result<std::unique_ptr<Store>> open_read_only(const std::string& dir) {
        return fs::open(dir + "/fs", {.durable = false, .read_only = true});
    }
};
struct SqliteReadOnly : SqliteBackend {
    static Result<std::unique_ptr<Store>> open_read_only(const std::string& dir) {
        return sqlite::open(dir + "/store.db", {.read_only = true});
    }
};
struct GitReadOnly : GitBackend {
    static Result<std::unique_ptr<Store>> open_read_only(const std::string& dir) {
        return git::open(dir + "/repo.git", {.read_only = true});
    }
};

// Every entry under `dir`: its type, size and modification time (nanoseconds). SQLite's -wal
// and -shm files, which it may make beside a database it reads on a writable file system
// (sqlite::read_only_uri), are left out, and so are folders' times (making them changes those).
using Listing = std::map<std::string, std::tuple<unsigned, long long, long long>>;

Listing list_disk(const std::string& dir) {
    Listing out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.ends_with("-wal") || name.ends_with("-shm"))
            continue;
        struct stat st {};
        if (::lstat(entry.path().c_str(), &st) != 0)
            continue;
        const bool folder = S_ISDIR(st.st_mode);
        const long long mtime =
            folder ? 0
                   : static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        const long long size = folder ? 0 : static_cast<long long>(st.st_size);
        out[entry.path().string().substr(dir.size())] = {st.st_mode & S_IFMT, size, mtime};
    }
    return out;
}

std::string describe(const Listing& listing) {
    std::string out;
    for (const auto& [path, what] : listing)
        out += path + " size " + std::to_string(std::get<1>(what)) + " mtime " +
               std::to_string(std::get<2>(what)) + "\n";
    return out;
}

// What a read-only store answers a write with.
template <class T>
bool refused(const Result<T>& result) {
    return !result && result.error().code == Errc::forbidden &&
           result.error().message == read_only_message;
}

template <class Backend>
class ReadOnlyStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        // A share written as usual, then closed.
        auto store = Backend::open(dir_.path());
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE((*store)->mkcol("/c", "tester"));
        ASSERT_TRUE(put(**store, "/c/a.txt", "hello"));
        ASSERT_TRUE(put(**store, "/top.txt", "at the top"));
        const std::vector<PropOp> ops{{{"urn:test", "colour"}, std::string("blue")}};
        ASSERT_TRUE((*store)->patch_props("/c/a.txt", ops, "tester"));
        auto token = (*store)->sync_token("/");
        ASSERT_TRUE(token) << token.error().message;
        token_ = *token;
        ASSERT_TRUE(put(**store, "/c/b.txt", "after the token"));
    }

    void TearDown() override { run("chmod -R u+w " + quote(dir_.path())); }

    // The folder made unwritable (for a user other than root).
    void freeze() { ASSERT_EQ(run("chmod -R a-w " + quote(dir_.path())), 0); }

    TempDir dir_;
    std::string token_;
};

using Backends = ::testing::Types<FsReadOnly, FsQuickReadOnly, SqliteReadOnly, GitReadOnly>;
TYPED_TEST_SUITE(ReadOnlyStoreTest, Backends, BackendNames);

TYPED_TEST(ReadOnlyStoreTest, ReadsWhatWasWrittenAndCreatesNothing) {
    this->freeze();
    const Listing before = list_disk(this->dir_.path());
    {
        auto opened = TypeParam::open_read_only(this->dir_.path());
        ASSERT_TRUE(opened) << opened.error().message;
        auto store = read_only(std::move(*opened));

        auto meta = store->stat("/c/a.txt");
        ASSERT_TRUE(meta) << meta.error().message;
        EXPECT_FALSE(meta->collection);
        EXPECT_EQ(meta->size, 5u);
        EXPECT_EQ(get(*store, "/c/a.txt").value_or("?"), "hello");
        EXPECT_EQ(get(*store, "/top.txt").value_or("?"), "at the top");
        auto part = store->open_read("/c/a.txt", ByteRange{1, 3});
        ASSERT_TRUE(part) << part.error().message;
        EXPECT_EQ(read_all(**part).value_or("?"), "ell");
        auto doc = store->open_document("/c/b.txt");
        ASSERT_TRUE(doc) << doc.error().message;
        EXPECT_EQ(doc->meta.size, 15u);

        auto members = store->list("/c", {.with_props = true});
        ASSERT_TRUE(members) << members.error().message;
        std::vector<std::string> names;
        for (const auto& m : *members)
            names.push_back(m.path);
        std::sort(names.begin(), names.end());
        EXPECT_EQ(names, (std::vector<std::string>{"/c/a.txt", "/c/b.txt"}));
        auto root = store->list("/");
        ASSERT_TRUE(root) << root.error().message;
        EXPECT_EQ(root->size(), 2u); // /c and /top.txt: no metadata listed

        EXPECT_NE(dead_prop(*store, "/c/a.txt").find("colour=blue"), std::string::npos)
            << dead_prop(*store, "/c/a.txt");
        EXPECT_EQ(store->stat("/missing").error().code, Errc::not_found);

        auto token = store->sync_token("/");
        ASSERT_TRUE(token) << token.error().message;
        auto changes = store->changes_since("/", this->token_);
        ASSERT_TRUE(changes) << changes.error().message;
        const bool b_added =
            std::any_of(changes->changes.begin(), changes->changes.end(), [](const Change& c) {
                return c.path == "/c/b.txt" && c.kind == ChangeKind::added;
            });
        EXPECT_TRUE(b_added);
        EXPECT_EQ(changes->token, *token);
    }
    const Listing after = list_disk(this->dir_.path());
    EXPECT_EQ(before, after) << "before:\n" << describe(before) << "after:\n" << describe(after);
}

TYPED_TEST(ReadOnlyStoreTest, RefusesEveryWrite) {
    this->freeze();
    const Listing before = list_disk(this->dir_.path());
    {
        auto opened = TypeParam::open_read_only(this->dir_.path());
        ASSERT_TRUE(opened) << opened.error().message;
        auto store = read_only(std::move(*opened));
        MemorySource body("new");
        EXPECT_TRUE(refused(store->put("/c/a.txt", body, {}, "tester")));
        EXPECT_TRUE(refused(store->put("/new.txt", body, {}, "tester")));
        auto now = store->try_put_now("/new.txt", "new", {}, "tester");
        ASSERT_TRUE(now.has_value());
        EXPECT_TRUE(refused(*now));
        EXPECT_TRUE(refused(store->mkcol("/d", "tester")));
        EXPECT_TRUE(refused(store->remove("/c/a.txt", {}, "tester")));
        EXPECT_TRUE(refused(store->remove("/c", {}, "tester")));
        EXPECT_TRUE(refused(store->copy("/c", "/e", Depth::infinity, true, "tester")));
        EXPECT_TRUE(refused(store->move("/c/a.txt", "/c/z.txt", true, "tester")));
        auto moved = store->try_move_now("/c/a.txt", "/c/z.txt", false, "tester");
        ASSERT_TRUE(moved.has_value());
        EXPECT_TRUE(refused(*moved));
        const std::vector<PropOp> ops{{{"urn:test", "colour"}, std::string("red")}};
        EXPECT_TRUE(refused(store->patch_props("/c/a.txt", ops, "tester")));

        EXPECT_EQ(get(*store, "/c/a.txt").value_or("?"), "hello");
        EXPECT_NE(dead_prop(*store, "/c/a.txt").find("colour=blue"), std::string::npos);
        EXPECT_EQ(store->stat("/d").error().code, Errc::not_found);
    }
    EXPECT_EQ(before, list_disk(this->dir_.path()));
}

// A folder never served by Quire: no .quire is made, documents read, no dead properties.
// A read-only store opened while nothing had the share open, on a writable file system,
// sees what a writer opened after it writes: documents, properties and changes.
TYPED_TEST(ReadOnlyStoreTest, FollowsAWriterThatOpensLater) {
    auto opened = TypeParam::open_read_only(this->dir_.path());
    ASSERT_TRUE(opened) << opened.error().message;
    auto reader = read_only(std::move(*opened));
    ASSERT_TRUE(reader->stat("/top.txt")) << "read before the writer";
    {
        auto writer = TypeParam::open(this->dir_.path());
        ASSERT_TRUE(writer) << writer.error().message;
        ASSERT_TRUE(put(**writer, "/later.txt", "written later"));
        const std::vector<PropOp> ops{{{"urn:test", "colour"}, std::string("green")}};
        ASSERT_TRUE((*writer)->patch_props("/top.txt", ops, "tester"));
    }
    EXPECT_EQ(get(*reader, "/later.txt").value_or("?"), "written later");
    EXPECT_NE(dead_prop(*reader, "/top.txt").find("colour=green"), std::string::npos)
        << dead_prop(*reader, "/top.txt");
    auto changes = reader->changes_since("/", this->token_);
    ASSERT_TRUE(changes) << changes.error().message;
    EXPECT_TRUE(std::any_of(changes->changes.begin(), changes->changes.end(),
                            [](const Change& c) { return c.path == "/later.txt"; }));
}

TEST(ReadOnlyFsStoreTest, AFolderWithoutMetadataStaysAsItIs) {
    TempDir dir;
    ASSERT_EQ(run("mkdir -p " + quote(dir.path() + "/share/sub") + " && printf abc > " +
                  quote(dir.path() + "/share/sub/x.txt")),
              0);
    const Listing before = list_disk(dir.path());
    {
        auto opened = fs::open(dir.path() + "/share", {.read_only = true});
        ASSERT_TRUE(opened) << opened.error().message;
        auto store = read_only(std::move(*opened));
        EXPECT_EQ(get(*store, "/sub/x.txt").value_or("?"), "abc");
        auto props = store->props("/sub/x.txt");
        ASSERT_TRUE(props) << props.error().message;
        EXPECT_TRUE(props->empty());
        auto members = store->list("/sub", {.with_props = true});
        ASSERT_TRUE(members) << members.error().message;
        ASSERT_EQ(members->size(), 1u);
        EXPECT_EQ((*members)[0].path, "/sub/x.txt");
        auto token = store->sync_token("/");
        ASSERT_TRUE(token) << token.error().message;
        auto changes = store->changes_since("/", *token);
        ASSERT_TRUE(changes) << changes.error().message;
        EXPECT_TRUE(changes->changes.empty());
        EXPECT_TRUE(refused(store->mkcol("/new", "tester")));
    }
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/share/.quire"));
    EXPECT_EQ(before, list_disk(dir.path()));
}

// A non-durable share whose quick journal holds records no fold has taken yet (its writer
// still runs): the read-only open says so, and still reads the documents.
TEST(ReadOnlyFsStoreTest, UnfoldedJournalRecordsAreNoted) {
    TempDir dir;
    auto writer = FsQuickBackend::open(dir.path());
    ASSERT_TRUE(writer) << writer.error().message;
    ASSERT_TRUE(put(**writer, "/doc.txt", "quick"));
    std::vector<std::string> notes;
    {
        auto opened =
            fs::open(dir.path() + "/fs",
                     {.durable = false, .read_only = true, .note = [&](const std::string& note) {
                          notes.push_back(note);
                      }});
        ASSERT_TRUE(opened) << opened.error().message;
        auto store = read_only(std::move(*opened));
        EXPECT_EQ(get(*store, "/doc.txt").value_or("?"), "quick");
    }
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("journal"), std::string::npos) << notes[0];
}

// A writable open of a share on a file system mounted read-only still fails (with a message
// that says why); only root can make such a mount, so elsewhere the test skips.
TEST(ReadOnlyFsStoreTest, ServesAReadOnlyBindMount) {
    if (::geteuid() != 0 || run("command -v unshare >/dev/null") != 0)
        GTEST_SKIP() << "needs root and unshare(1) to bind-mount a folder read-only";
    TempDir dir;
    {
        auto store = FsBackend::open(dir.path());
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE(put(**store, "/doc.txt", "on read-only media"));
    }
    // In a child with its own mount namespace: the mount goes away with it.
    const int status = run_in_child([&] {
        if (::unshare(CLONE_NEWNS) != 0 ||
            run("mount --make-rprivate / && mount --bind " + quote(dir.path() + "/fs") + " " +
                quote(dir.path() + "/fs") + " && mount -o remount,ro,bind " +
                quote(dir.path() + "/fs")) != 0)
            return 77;
        auto writable = fs::open(dir.path() + "/fs");
        if (writable)
            return 1;
        auto opened = fs::open(dir.path() + "/fs", {.read_only = true});
        if (!opened)
            return 2;
        auto store = read_only(std::move(*opened));
        if (get(*store, "/doc.txt").value_or("?") != "on read-only media")
            return 3;
        return 0;
    });
    if (status == 77)
        GTEST_SKIP() << "cannot bind-mount read-only here";
    EXPECT_EQ(status, 0);
}

} // namespace
} // namespace quire::storage::testing
