// What each backend promises beyond the common contract: fs files edited by hand, the sqlite
// schema and pragmas, git commits and histories made by plain git.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "storage/fs/fs_store.hpp"
#include "storage/git/git_store.hpp"
#include "storage/git/handles.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "testing.hpp"

namespace quire::storage::testing {
namespace {

std::string sql(const std::string& db, const std::string& query) {
    auto [out, status] = capture("sqlite3 " + quote(db) + " " + quote(query));
    EXPECT_EQ(status, 0) << query;
    return out;
}

std::string git(const std::string& repo, const std::string& args) {
    auto [out, status] = capture("git -C " + quote(repo) + " " + args + " 2>&1");
    EXPECT_EQ(status, 0) << "git " << args << ": " << out;
    if (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

TEST(FsBackend, FilesEditedByHandAreNoticed) {
    TempDir dir;
    auto store = fs::open(dir.path());
    ASSERT_TRUE(store);
    auto etag = put(**store, "/note.txt", "by quire");
    ASSERT_TRUE(etag);
    // Same size, new bytes, written in place by another tool.
    write_file(dir.path() + "/note.txt", "by hand!");
    auto meta = (*store)->stat("/note.txt");
    ASSERT_TRUE(meta);
    EXPECT_NE(meta->etag, etag->etag);
    EXPECT_EQ(*get(**store, "/note.txt"), "by hand!");
    EXPECT_EQ(put(**store, "/note.txt", "x", {.if_match = etag->etag}).error().code,
              Errc::precondition_failed);

    std::filesystem::create_directory(dir.path() + "/made by hand");
    write_file(dir.path() + "/made by hand/file", "12345");
    auto members = (*store)->list("/made by hand");
    ASSERT_TRUE(members);
    ASSERT_EQ(members->size(), 1u);
    EXPECT_EQ((*members)[0].size, 5u);
}

// A document or folder another program removed leaves its properties in meta.db; a new one
// made at that path over the store must not show them (durable, and quick through the
// journal's fold).
TEST(FsBackend, ANewResourceWhereAnotherProgramRemovedOneHasNoneOfItsProperties) {
    for (const bool durable : {true, false}) {
        TempDir dir;
        auto store = fs::open(dir.path(), {.durable = durable});
        ASSERT_TRUE(store);
        const std::vector<PropOp> ops = {{{"urn:x", "old"}, "kept"}};
        ASSERT_TRUE(put(**store, "/doc", "first"));
        ASSERT_TRUE((*store)->mkcol("/col", ""));
        ASSERT_TRUE(put(**store, "/col/member", "m"));
        for (const char* path : {"/doc", "/col", "/col/member"})
            ASSERT_TRUE((*store)->patch_props(path, ops, "")) << path;
        std::filesystem::remove(dir.path() + "/doc");
        std::filesystem::remove_all(dir.path() + "/col");
        ASSERT_TRUE(put(**store, "/doc", "second"));
        ASSERT_TRUE((*store)->mkcol("/col", ""));
        ASSERT_TRUE(put(**store, "/col/member", "new"));
        for (const char* path : {"/doc", "/col", "/col/member"}) {
            auto props = (*store)->props(path);
            ASSERT_TRUE(props) << path << ": " << props.error().message;
            EXPECT_TRUE(props->empty())
                << path << " (durable " << durable << ") shows " << props->front().name.name;
        }
    }
}

// A PUT whose folder goes (a DELETE of its parent) while its body arrives finds its parent
// missing: a conflict (409, RFC 4918 9.7.1), as when the parent was missing from the start.
TEST(FsBackend, APutWhoseFolderIsRemovedWhileItsBodyArrivesIsAConflict) {
    // Removes the folder when the store first asks for bytes (they go into a file in it).
    class RemovingSource final : public Source {
    public:
        explicit RemovingSource(std::string folder) : folder_(std::move(folder)) {}
        Result<std::size_t> read(std::span<std::byte> buf) override {
            if (!removed_) {
                removed_ = true;
                std::filesystem::remove_all(folder_);
            }
            return inner_.read(buf);
        }

    private:
        std::string folder_;
        bool removed_ = false;
        std::string body_ = std::string(100 * 1024, 'b'); // past the in-memory quick path
        MemorySource inner_{std::string_view(body_)};
    };
    for (const bool durable : {true, false}) {
        TempDir dir;
        auto store = fs::open(dir.path(), {.durable = durable});
        ASSERT_TRUE(store);
        ASSERT_TRUE((*store)->mkcol("/c", ""));
        RemovingSource source(dir.path() + "/c");
        auto put = (*store)->put("/c/x", source, {}, "");
        ASSERT_FALSE(put) << "durable " << durable;
        EXPECT_EQ(put.error().code, Errc::conflict)
            << "durable " << durable << ": " << put.error().message;
    }
}

TEST(FsBackend, CachedMediaTypesFollowWritesOfAnotherStoreOnTheSameFolder) {
    TempDir dir;
    auto reader = fs::open(dir.path());
    auto writer = fs::open(dir.path());
    ASSERT_TRUE(reader && writer);
    MemorySource first("a");
    ASSERT_TRUE((*writer)->put("/doc", first, {.content_type = "text/plain"}, "t"));
    for (int i = 0; i < 2; ++i) { // the second stat is answered from the cache
        auto meta = (*reader)->stat("/doc");
        ASSERT_TRUE(meta);
        EXPECT_EQ(meta->content_type, "text/plain");
    }
    MemorySource second("b");
    ASSERT_TRUE((*writer)->put("/doc", second, {.content_type = "image/png"}, "t"));
    auto meta = (*reader)->stat("/doc");
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->content_type, "image/png");
    ASSERT_TRUE((*writer)->move("/doc", "/moved", true, "t"));
    MemorySource third("c");
    ASSERT_TRUE((*writer)->put("/doc", third, {.content_type = "text/csv"}, "t"));
    meta = (*reader)->stat("/doc");
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->content_type, "text/csv");
}

TEST(FsBackend, MetadataFolderIsNeverListedAndBodiesAreFiles) {
    TempDir dir;
    auto store = fs::open(dir.path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(put(**store, "/a", "abc"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/.quire/meta.db"));
    EXPECT_EQ(sql(dir.path() + "/.quire/meta.db", "PRAGMA page_size"), "1024\n");
    // A temporary file left by a killed writer is not a member either.
    write_file(dir.path() + "/.quire-tmp-0123456789abcdef", "half");
    auto members = (*store)->list("/");
    ASSERT_TRUE(members);
    ASSERT_EQ(members->size(), 1u);
    EXPECT_EQ((*members)[0].path, "/a");
    EXPECT_EQ((*store)->stat("/.quire").error().code, Errc::forbidden);
    auto body = (*store)->open_read("/a", ByteRange{1, 1});
    ASSERT_TRUE(body);
    auto file = (*body)->file();
    ASSERT_TRUE(file);
    EXPECT_EQ(file->offset, 1u);
    EXPECT_EQ(file->length, 1u);
    char c = 0;
    EXPECT_EQ(::pread(file->fd, &c, 1, static_cast<off_t>(file->offset)), 1);
    EXPECT_EQ(c, 'b');
    // Other tools read the tree as plain files.
    std::ifstream in(dir.path() + "/a");
    std::string text;
    in >> text;
    EXPECT_EQ(text, "abc");
}

// A crash between the steps of a move is finished at the next open from the intent journal.
TEST(FsBackend, InterruptedMoveIsFinishedAtOpen) {
    TempDir dir;
    std::string root = dir.path();
    std::string token;
    {
        auto store = fs::open(root);
        ASSERT_TRUE(store);
        ASSERT_TRUE((*store)->mkcol("/a", "t"));
        ASSERT_TRUE(put(**store, "/a/x", "x"));
        std::vector<PropOp> ops = {{{"urn:x", "p"}, "moved with it"}};
        ASSERT_TRUE((*store)->patch_props("/a", ops, "t"));
        ASSERT_TRUE(put(**store, "/b", "old b"));
        token = *(*store)->sync_token("/");
    }
    // The state a kill leaves after MOVE /a -> /b journalled its intent and sent the old /b
    // to the trash, before the rename of /a.
    std::string trash = root + "/.quire/trash/.quire-tmp-1-0000000000000001";
    sql(root + "/.quire/meta.db",
        "INSERT INTO intents(op, src, dst, staging) VALUES('move', '/a', '/b', '" + trash + "')");
    std::filesystem::rename(root + "/b", trash);

    auto store = fs::open(root);
    ASSERT_TRUE(store);
    EXPECT_EQ((*store)->stat("/a").error().code, Errc::not_found);
    ASSERT_TRUE((*store)->stat("/b")->collection);
    EXPECT_EQ(*get(**store, "/b/x"), "x");
    auto props = (*store)->props("/b");
    ASSERT_EQ(props->size(), 1u);
    EXPECT_EQ((*props)[0].value, "moved with it");
    EXPECT_FALSE(std::filesystem::exists(trash));
    EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT count(*) FROM intents"), "0\n");
    auto changes = (*store)->changes_since("/", token);
    ASSERT_TRUE(changes);
    std::map<std::string, ChangeKind> got;
    for (auto& c : changes->changes)
        got[c.path] = c.kind;
    EXPECT_EQ(got["/a"], ChangeKind::removed);
    EXPECT_EQ(got["/b/x"], ChangeKind::modified);
}

TEST(FsBackend, IntentThatNeverStartedIsDropped) {
    TempDir dir;
    std::string root = dir.path();
    {
        auto store = fs::open(root);
        ASSERT_TRUE(store);
        ASSERT_TRUE(put(**store, "/a", "a"));
    }
    sql(root + "/.quire/meta.db",
        "INSERT INTO intents(op, src, dst, staging) VALUES('remove', '/a', '', '" + root +
            "/.quire/trash/.quire-tmp-1-2')");
    auto store = fs::open(root);
    ASSERT_TRUE(store);
    EXPECT_EQ(*get(**store, "/a"), "a");
    EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT count(*) FROM intents"), "0\n");
}

// Runs `writer` in a forked child, which must end it with writer_exit(): _exit runs no
// destructors, so a store the writer opened and did not close leaves its journal row, as a
// killed writer does. True when the writer exited reporting success.
template <class F>
bool in_child(F&& writer) {
    pid_t pid = ::fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        writer();
        ::_exit(2); // the writer did not end itself
    }
    int status = 0;
    return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

[[noreturn]] void writer_exit(bool ok) {
    ::_exit(ok ? 0 : 1);
}

std::string intent_rows(const std::string& root) {
    return sql(root + "/.quire/meta.db", "SELECT count(*) FROM intents");
}

// A store whose metadata a version with schema 1 wrote, killed in a move of its own kind
// ("move": properties moved after the renames): the schema is brought up to date, the move is
// finished, and intent ids keep growing from the old ones.
TEST(FsBackend, SchemaOneStoreIsMigratedAndItsMoveFinished) {
    TempDir dir;
    std::string root = dir.path();
    std::filesystem::create_directories(root + "/.quire/trash");
    std::filesystem::create_directory(root + "/a");
    write_file(root + "/a/x", "x");
    std::string trash = root + "/.quire/trash/.quire-tmp-0000000000000002";
    sql(root + "/.quire/meta.db",
        "PRAGMA journal_mode=WAL; "
        "CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID; "
        "CREATE TABLE props(path TEXT NOT NULL, parent TEXT NOT NULL, ns TEXT NOT NULL, name "
        "TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY(path, ns, name)) WITHOUT ROWID; "
        "CREATE INDEX props_by_parent ON props(parent); "
        "CREATE TABLE changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, kind "
        "INTEGER NOT NULL); "
        "CREATE TABLE intents(id INTEGER PRIMARY KEY, op TEXT NOT NULL, src TEXT NOT NULL, dst "
        "TEXT NOT NULL, staging TEXT NOT NULL); "
        "INSERT INTO store_meta VALUES('store_id', '0123456789abcdef'); "
        "INSERT INTO props VALUES('/a', '/', 'urn:x', 'p', 'A'); "
        "INSERT INTO intents VALUES(41, 'move', '/a', '/b', '" +
            trash + "'); PRAGMA user_version=1;");

    auto store = fs::open(root);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(sql(root + "/.quire/meta.db", "PRAGMA user_version"), "6\n");
    EXPECT_EQ(intent_rows(root), "0\n");
    EXPECT_EQ((*store)->stat("/a").error().code, Errc::not_found);
    EXPECT_EQ(*get(**store, "/b/x"), "x");
    auto props = (*store)->props("/b");
    ASSERT_TRUE(props);
    ASSERT_EQ(props->size(), 1u);
    EXPECT_EQ((*props)[0].value, "A");
    ASSERT_TRUE(put(**store, "/c", "c"));
    EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT id, inode > 0 FROM intents"), "42|1\n");
    ASSERT_TRUE((*store)->move("/c", "/d", false, "t"));
    EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT id, op, inode > 0 FROM intents"),
              "43|move1|1\n");
}

// A finished put or mkcol leaves its journal row for the next write transaction to drop (one
// transaction per write instead of two); a row a dead writer left is dropped at the next open.
TEST(FsBackend, FinishedIntentsAreDroppedByTheNextWriteAndAtOpen) {
    TempDir dir;
    std::string root = dir.path();
    {
        auto store = fs::open(root);
        ASSERT_TRUE(store);
        ASSERT_TRUE(put(**store, "/a", "a"));
        EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT op FROM intents"), "put\n");
        ASSERT_TRUE((*store)->mkcol("/c", "t"));
        EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT op FROM intents"), "mkcol\n");
        std::vector<PropOp> ops = {{{"urn:x", "p"}, "v"}};
        ASSERT_TRUE((*store)->patch_props("/a", ops, "t"));
        EXPECT_EQ(intent_rows(root), "0\n");
        ASSERT_TRUE(put(**store, "/c/b", "b"));
        EXPECT_EQ(intent_rows(root), "1\n");
    }
    EXPECT_EQ(intent_rows(root), "0\n") << "closing the store drops its last row";

    // A writer that dies without closing the store leaves the row of its last put.
    ASSERT_TRUE(in_child([&] {
        auto store = fs::open(root);
        writer_exit(store && put(**store, "/c/d", "d"));
    }));
    EXPECT_EQ(intent_rows(root), "1\n");

    auto store = fs::open(root);
    ASSERT_TRUE(store);
    EXPECT_EQ(intent_rows(root), "0\n");
    EXPECT_EQ(*get(**store, "/c/d"), "d");
    EXPECT_EQ(*get(**store, "/c/b"), "b");
    EXPECT_EQ((*store)->props("/a")->size(), 1u);
    EXPECT_EQ((*store)->stat("/c/d")->content_type, "text/plain");
    std::size_t leftovers = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(root))
        leftovers += entry.path().filename().string().starts_with(".quire-tmp");
    EXPECT_EQ(leftovers, 0u);
}

std::uint64_t inode_of(const std::string& file) {
    struct stat st {};
    EXPECT_EQ(::stat(file.c_str(), &st), 0) << file;
    return st.st_ino;
}

// A move's journal row, written as MOVE /a -> /b does it: the properties of the old /b go to
// the stash, those of /a to /b, all in the transaction of the row.
void journal_move(const std::string& root, const std::string& trash) {
    std::string stash = "//trash/" + trash.substr(trash.rfind('/') + 1);
    sql(root + "/.quire/meta.db",
        "BEGIN; "
        "UPDATE props SET path = '" +
            stash +
            "', parent = '//trash' WHERE path = '/b'; "
            "UPDATE props SET path = '/b' || substr(path, 3), parent = CASE WHEN path = '/a' THEN "
            "'/' ELSE '/b' || substr(parent, 3) END WHERE path = '/a' OR path LIKE '/a/%'; "
            "INSERT INTO intents(op, src, dst, staging, inode, seq) VALUES('move1', '/a', '/b', '" +
            trash + "', " + std::to_string(inode_of(root + "/a")) +
            ", (SELECT max(seq) FROM changes)); "
            "COMMIT;");
}

// A store at root with /a holding /a/x, and the dead property p=A on /a.
void seed_collection_a(const std::string& root) {
    auto store = fs::open(root);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->mkcol("/a", "t"));
    ASSERT_TRUE(put(**store, "/a/x", "x"));
    std::vector<PropOp> ops = {{{"urn:x", "p"}, "A"}};
    ASSERT_TRUE((*store)->patch_props("/a", ops, "t"));
}

// MOVE /a -> /b over an existing /b, killed at each stage: at the next open the files and the
// dead properties are under exactly one name, the old /b's back with it when undone.
TEST(FsBackend, InterruptedMove1IsSettledAtOpen) {
    enum Stage { journalled, old_in_trash, renamed };
    for (Stage stage : {journalled, old_in_trash, renamed}) {
        SCOPED_TRACE(stage);
        TempDir dir;
        std::string root = dir.path();
        {
            seed_collection_a(root);
            auto store = fs::open(root);
            ASSERT_TRUE(store);
            ASSERT_TRUE(put(**store, "/b", "old b"));
            std::vector<PropOp> b_ops = {{{"urn:x", "q"}, "B"}};
            ASSERT_TRUE((*store)->patch_props("/b", b_ops, "t"));
        }
        std::string trash = root + "/.quire/trash/.quire-tmp-0000000000000001";
        journal_move(root, trash);
        if (stage >= old_in_trash)
            std::filesystem::rename(root + "/b", trash);
        if (stage >= renamed)
            std::filesystem::rename(root + "/a", root + "/b");

        auto store = fs::open(root);
        ASSERT_TRUE(store);
        if (stage == journalled) { // /b was still there: undone
            EXPECT_EQ(*get(**store, "/a/x"), "x");
            EXPECT_EQ(dead_prop(**store, "/a"), "p=A;");
            EXPECT_EQ(*get(**store, "/b"), "old b");
            EXPECT_EQ(dead_prop(**store, "/b"), "q=B;");
            EXPECT_EQ((*store)->stat("/b")->content_type, "text/plain");
        } else { // finished
            EXPECT_EQ((*store)->stat("/a").error().code, Errc::not_found);
            EXPECT_EQ(*get(**store, "/b/x"), "x");
            EXPECT_EQ(dead_prop(**store, "/b"), "p=A;");
            EXPECT_EQ((*store)->stat("/b/x")->content_type, "text/plain");
        }
        EXPECT_FALSE(std::filesystem::exists(trash));
        EXPECT_EQ(intent_rows(root), "0\n");
        EXPECT_EQ(sql(root + "/.quire/meta.db",
                      "SELECT count(*) FROM props WHERE path NOT LIKE '/a%' AND path NOT LIKE "
                      "'/b%'"),
                  "0\n")
            << "stashed properties left behind";
    }
}

// After a finished move whose journal row still waits for its lazy drop, another store on the
// same folder makes a new /a, or another tool does (nothing logged), or the file is moved back
// to /a; then the mover dies. The next open must not take the move for unfinished and move the
// properties (or the file) back.
TEST(FsBackend, FinishedMoveIsNotUndoneAfterLaterWritesToItsNames) {
    enum Later { put_by_store, written_by_hand, moved_back };
    for (Later later : {put_by_store, written_by_hand, moved_back}) {
        SCOPED_TRACE(later);
        TempDir dir;
        std::string root = dir.path();
        { seed_collection_a(root); }
        ASSERT_TRUE(in_child([&] { // the mover dies without closing its store: its row stays
            auto mover = fs::open(root);
            auto other = fs::open(root); // opened first: opening settles the journal
            if (!mover || !other || !(*mover)->move("/a", "/b", false, "t"))
                writer_exit(false);
            bool ok = true;
            if (later == put_by_store)
                ok = put(**other, "/a", "new a").has_value();
            else if (later == written_by_hand)
                write_file(root + "/a", "new a");
            else
                ok = (*other)->move("/b", "/a", false, "t").has_value();
            other->reset(); // closed: its own row is dropped
            writer_exit(ok);
        }));
        EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT op, src FROM intents"), "move1|/a\n");

        auto store = fs::open(root);
        ASSERT_TRUE(store);
        EXPECT_EQ(intent_rows(root), "0\n");
        if (later == moved_back) {
            EXPECT_EQ((*store)->stat("/b").error().code, Errc::not_found);
            EXPECT_EQ(*get(**store, "/a/x"), "x");
            EXPECT_EQ(dead_prop(**store, "/a"), "p=A;");
        } else {
            EXPECT_EQ(*get(**store, "/a"), "new a");
            EXPECT_EQ(dead_prop(**store, "/a"), "");
            EXPECT_EQ(*get(**store, "/b/x"), "x");
            EXPECT_EQ(dead_prop(**store, "/b"), "p=A;");
        }
    }
}

// A finished PUT whose journal row a dead writer left, then the name written again before the
// next open: settling the row keeps the media type of the body that is there (the type is put
// back only when the path still holds what it held before the PUT).
TEST(FsBackend, FinishedPutKeepsTheMediaTypeOfLaterWritesToItsName) {
    enum Later { put_by_store, replaced_by_hand, removed_by_store };
    for (Later later : {put_by_store, replaced_by_hand, removed_by_store}) {
        SCOPED_TRACE(later);
        TempDir dir;
        std::string root = dir.path();
        {
            auto store = fs::open(root);
            ASSERT_TRUE(store);
            MemorySource first("first");
            ASSERT_TRUE((*store)->put("/a", first, {.content_type = "text/csv"}, "t"));
        }
        ASSERT_TRUE(in_child([&] { // the writer dies without closing its store: its row stays
            auto writer = fs::open(root);
            auto other = fs::open(root); // opened first: opening settles the journal
            MemorySource second("second");
            if (!writer || !other ||
                !(*writer)->put("/a", second, {.content_type = "application/json"}, "t"))
                writer_exit(false);
            bool ok = true;
            if (later == put_by_store) {
                MemorySource third("third");
                ok = (*other)->put("/a", third, {.content_type = "image/png"}, "t").has_value();
            } else if (later == replaced_by_hand) { // as editors save: a new file renamed over
                write_file(root + "/a.new", "third");
                std::filesystem::rename(root + "/a.new", root + "/a");
            } else {
                ok = (*other)->remove("/a", {}, "t").has_value();
            }
            other->reset(); // closed: its own row is dropped
            writer_exit(ok);
        }));
        EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT op, src FROM intents"), "put|/a\n");

        auto store = fs::open(root);
        ASSERT_TRUE(store);
        EXPECT_EQ(intent_rows(root), "0\n");
        if (later == removed_by_store) {
            EXPECT_EQ((*store)->stat("/a").error().code, Errc::not_found);
            write_file(root + "/a", "by hand");
            EXPECT_EQ((*store)->stat("/a")->content_type, "application/octet-stream");
        } else {
            EXPECT_EQ(*get(**store, "/a"), "third");
            EXPECT_EQ((*store)->stat("/a")->content_type,
                      later == put_by_store ? "image/png" : "application/json");
        }
    }
}

// A put's journal row from before schema 4 (no inode, no prior type): settled as it always
// was, the media type left as it is.
TEST(FsBackend, PutIntentWithoutInodeKeepsItsMediaType) {
    TempDir dir;
    std::string root = dir.path();
    {
        auto store = fs::open(root);
        ASSERT_TRUE(store);
        MemorySource body("a");
        ASSERT_TRUE((*store)->put("/a", body, {.content_type = "text/csv"}, "t"));
    }
    sql(root + "/.quire/meta.db",
        "INSERT INTO intents(op, src, dst, staging) VALUES('put', '/a', '', '" + root +
            "/.quire-tmp-1-3')");
    auto store = fs::open(root);
    ASSERT_TRUE(store);
    EXPECT_EQ(intent_rows(root), "0\n");
    EXPECT_EQ(*get(**store, "/a"), "a");
    EXPECT_EQ((*store)->stat("/a")->content_type, "text/csv");
}

// A move over an existing destination: its properties are replaced, and the stashed ones are
// gone once the next write (or closing the store) drops the journal row.
TEST(FsBackend, MoveOverADestinationLeavesNoStashedProperties) {
    TempDir dir;
    std::string root = dir.path();
    auto store = fs::open(root);
    ASSERT_TRUE(store);
    ASSERT_TRUE(put(**store, "/a", "a"));
    ASSERT_TRUE(put(**store, "/b", "b"));
    std::vector<PropOp> a_ops = {{{"urn:x", "p"}, "A"}};
    std::vector<PropOp> b_ops = {{{"urn:x", "q"}, "B"}};
    ASSERT_TRUE((*store)->patch_props("/a", a_ops, "t"));
    ASSERT_TRUE((*store)->patch_props("/b", b_ops, "t"));
    ASSERT_EQ((*store)->move("/a", "/b", true, "t"), false);
    EXPECT_EQ(dead_prop(**store, "/b"), "p=A;");
    EXPECT_EQ(*get(**store, "/b"), "a");
    // q and the internal media type of the old /b
    EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT count(*) FROM props WHERE path LIKE '//%'"),
              "2\n");
    ASSERT_TRUE(put(**store, "/c", "c"));
    EXPECT_EQ(sql(root + "/.quire/meta.db", "SELECT count(*) FROM props WHERE path LIKE '//%'"),
              "0\n");
    EXPECT_EQ(intent_rows(root), "1\n"); // the put's own
}

TEST(SqliteBackend, WalSchemaVersionAndCascades) {
    TempDir dir;
    std::string db = dir.path() + "/store.db";
    {
        auto store = sqlite::open(db);
        ASSERT_TRUE(store);
        ASSERT_TRUE((*store)->mkcol("/c", "t"));
        ASSERT_TRUE(put(**store, "/c/x", "x"));
        std::vector<PropOp> ops = {{{"urn:x", "p"}, "v"}};
        ASSERT_TRUE((*store)->patch_props("/c/x", ops, "t"));
        ASSERT_TRUE((*store)->remove("/c", {}, "t"));
    }
    EXPECT_EQ(sql(db, "PRAGMA journal_mode"), "wal\n");
    EXPECT_EQ(sql(db, "PRAGMA user_version"), "1\n");
    // Foreign keys are on: removing the collection took members' bodies and properties along.
    EXPECT_EQ(sql(db, "SELECT count(*) FROM props; SELECT count(*) FROM body_chunks"), "0\n0\n");
    // Reopening an up-to-date database runs no migration; a newer schema is refused.
    ASSERT_TRUE(sqlite::open(db));
    sql(db, "PRAGMA user_version = 99");
    auto newer = sqlite::open(db);
    ASSERT_FALSE(newer);
    EXPECT_NE(newer.error().message.find("newer"), std::string::npos);
}

TEST(SqliteBackend, LargeBodiesAreStoredInChunksAndStreamedBack) {
    TempDir dir;
    std::string db = dir.path() + "/store.db";
    std::string big(40 * 1024 * 1024 + 5, 'q');
    big[20 * 1024 * 1024] = 'X';
    {
        auto store = sqlite::open(db);
        ASSERT_TRUE(store);
        ASSERT_TRUE(put(**store, "/big", big));
        auto body = (*store)->open_read("/big", ByteRange{20 * 1024 * 1024 - 1, 3});
        ASSERT_TRUE(body);
        EXPECT_EQ(*read_all(**body), "qXq");
    }
    EXPECT_EQ(sql(db, "SELECT count(*), sum(length(data)) FROM body_chunks"),
              "3|" + std::to_string(big.size()) + "\n");
}

// A copied collection is a new collection: its etag is not its source's (documents keep theirs:
// the sqlite store's etags are content hashes).
TEST(SqliteBackend, ACopiedCollectionGetsAnEtagOfItsOwn) {
    TempDir dir;
    auto store = sqlite::open(dir.path() + "/store.db");
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->mkcol("/a", "t"));
    ASSERT_TRUE((*store)->mkcol("/a/sub", "t"));
    ASSERT_TRUE(put(**store, "/a/sub/doc", "d"));
    ASSERT_TRUE((*store)->copy("/a", "/b", Depth::infinity, false, "t"));
    for (const char* path : {"/a", "/a/sub"}) {
        const std::string copy = "/b" + std::string(path).substr(2);
        EXPECT_NE((*store)->stat(path)->etag, (*store)->stat(copy)->etag) << copy;
    }
    EXPECT_EQ((*store)->stat("/a/sub/doc")->etag, (*store)->stat("/b/sub/doc")->etag);
}

class GitRepoTest : public ::testing::Test {
protected:
    std::string repo() const { return dir_.path() + "/repo.git"; }
    std::unique_ptr<Store> open() {
        auto store = git::open(repo(), {});
        EXPECT_TRUE(store) << store.error().message;
        return store ? std::move(*store) : nullptr;
    }
    int commits() { return std::stoi(git(repo(), "rev-list --count main")); }
    TempDir dir_;
};

// A missing repository is created, but not the folders above it: a mistyped path must not
// quietly become a new, empty share.
TEST_F(GitRepoTest, ARepositoryIsCreatedOnlyInAFolderThatExists) {
    const std::string astray = dir_.path() + "/no/such/repo.git";
    auto refused = git::open(astray, {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("the folder " + dir_.path() + "/no/such does not exist"),
              std::string::npos)
        << refused.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/no"));
    auto store = open(); // repo.git in the existing folder
    ASSERT_TRUE(store);
    EXPECT_TRUE(std::filesystem::exists(repo() + "/HEAD"));
}

TEST_F(GitRepoTest, EveryMutationIsExactlyOneCommitByTheActor) {
    auto store = open();
    MemorySource body("hello");
    ASSERT_TRUE(store->mkcol("/docs", "alice"));
    EXPECT_EQ(commits(), 1);
    ASSERT_TRUE(store->put("/docs/a.txt", body, {}, "Bob Example"));
    EXPECT_EQ(commits(), 2);
    EXPECT_EQ(git(repo(), "log -1 --format=%an%n%s main"), "Bob Example\nPUT /docs/a.txt");
    std::vector<PropOp> ops = {{{"urn:x", "p"}, "v"}};
    ASSERT_TRUE(store->patch_props("/docs/a.txt", ops, "carol"));
    ASSERT_TRUE(store->copy("/docs", "/copy", Depth::infinity, false, "carol"));
    ASSERT_TRUE(store->move("/copy", "/moved", false, "carol"));
    ASSERT_TRUE(store->remove("/moved", {}, "dave"));
    EXPECT_EQ(commits(), 6);
    EXPECT_EQ(git(repo(), "log -1 --format=%an%n%s main"), "dave\nDELETE /moved");
    // A refused call commits nothing.
    EXPECT_FALSE(store->mkcol("/docs", "eve"));
    EXPECT_EQ(commits(), 6);
    EXPECT_EQ(git(repo(), "show main:docs/a.txt"), "hello");
    EXPECT_EQ(store->stat("/docs/a.txt")->etag, git(repo(), "rev-parse main:docs/a.txt"));
    EXPECT_EQ(GitBackend::integrity(dir_.path()), "");
}

// `git rm` of a document leaves its properties sidecar behind (plain git knows nothing of
// it); a new document PUT at that path later must not show them.
TEST_F(GitRepoTest, ADocumentPutWherePlainGitRemovedOneHasNoneOfItsProperties) {
    auto store = open();
    ASSERT_TRUE(put(*store, "/doc", "first"));
    ASSERT_TRUE(store->patch_props("/doc", std::vector<PropOp>{{{"urn:x", "old"}, "kept"}}, ""));
    std::string work = dir_.path() + "/work";
    ASSERT_EQ(run("git clone -q " + quote(repo()) + " " + quote(work) + " 2>/dev/null"), 0);
    git(work, "rm -q doc");
    git(work, "-c user.name=Plain -c user.email=plain@example.org commit -qm 'git rm'");
    git(work, "push -q origin HEAD:main");
    ASSERT_FALSE(store->stat("/doc"));
    ASSERT_TRUE(put(*store, "/doc", "second"));
    auto props = store->props("/doc");
    ASSERT_TRUE(props) << props.error().message;
    EXPECT_TRUE(props->empty()) << "shows " << props->front().name.name;
}

// Cuts the loose object file of git's `revision` (e.g. "main:path") to half its size.
void cut_loose_object_in_half(const std::string& repo, const std::string& revision) {
    const std::string id = git(repo, "rev-parse " + revision);
    const std::string file = repo + "/objects/" + id.substr(0, 2) + "/" + id.substr(2);
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    std::filesystem::permissions(file, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
}

// A loose object cut short (what a power cut leaves of an object a git without fsync wrote)
// is an error naming it; libgit2 1.5 alone inflates such an object for ever. Small (read
// whole) and large (read lazily) documents, and the other documents still read.
TEST_F(GitRepoTest, ALooseObjectCutShortIsAnErrorNamingItNotAHang) {
    std::string large(300 * 1024, '\0');
    std::mt19937_64 rng(3);
    for (auto& c : large)
        c = static_cast<char>('a' + rng() % 26);
    {
        auto store = open();
        ASSERT_TRUE(put(*store, "/small", std::string(5000, 's')));
        ASSERT_TRUE(put(*store, "/large", large));
        ASSERT_TRUE(put(*store, "/fine", "fine"));
    }
    for (const char* path : {"small", "large"})
        ASSERT_NO_FATAL_FAILURE(cut_loose_object_in_half(repo(), std::string("main:") + path));
    auto store = open(); // no object cached from before
    for (const char* path : {"/small", "/large"}) {
        auto body = get(*store, path);
        ASSERT_FALSE(body) << path << " was read";
        EXPECT_NE(body.error().message.find("damaged git object"), std::string::npos)
            << path << ": " << body.error().message;
    }
    EXPECT_EQ(get(*store, "/fine").value_or("error"), "fine");
}

// The same for a folder's tree, read on the way to what lies below it.
TEST_F(GitRepoTest, AFoldersTreeCutShortIsAnErrorNamingItNotAHang) {
    {
        auto store = open();
        ASSERT_TRUE(store->mkcol("/dir", ""));
        ASSERT_TRUE(store->mkcol("/dir/deep", ""));
        ASSERT_TRUE(put(*store, "/dir/deep/doc", std::string(4000, 'd')));
        ASSERT_TRUE(
            store->patch_props("/dir/deep/doc", std::vector<PropOp>{{{"urn:x", "p"}, "v"}}, ""));
        ASSERT_TRUE(put(*store, "/fine", "fine"));
    }
    ASSERT_NO_FATAL_FAILURE(cut_loose_object_in_half(repo(), "main:dir"));
    auto store = open(); // no object cached from before
    auto meta = store->stat("/dir/deep/doc");
    ASSERT_FALSE(meta) << "stat succeeded";
    EXPECT_NE(meta.error().message.find("damaged git object"), std::string::npos)
        << meta.error().message;
    auto props = store->props("/dir/deep/doc");
    ASSERT_FALSE(props) << "props read";
    EXPECT_NE(props.error().message.find("damaged git object"), std::string::npos)
        << props.error().message;
    EXPECT_EQ(get(*store, "/fine").value_or("error"), "fine");
}

TEST_F(GitRepoTest, HistoryMadeByPlainGitIsReadCorrectly) {
    auto store = open();
    auto before = store->sync_token("/");
    ASSERT_TRUE(before);
    std::string work = dir_.path() + "/work";
    ASSERT_EQ(run("git init -q -b main " + quote(work)), 0);
    std::filesystem::create_directories(work + "/cal/deep");
    write_file(work + "/cal/one.ics", "BEGIN:VCALENDAR\n");
    write_file(work + "/cal/deep/two.ics", "two");
    git(work, "add -A");
    git(work, "-c user.name=Plain -c user.email=plain@example.org commit -qm 'from elsewhere'");
    git(work, "push -q " + quote(repo()) + " main");

    auto members = store->list("/cal");
    ASSERT_TRUE(members) << members.error().message;
    ASSERT_EQ(members->size(), 2u);
    EXPECT_EQ(*get(*store, "/cal/one.ics"), "BEGIN:VCALENDAR\n");
    EXPECT_EQ(store->stat("/cal/one.ics")->etag, git(work, "rev-parse HEAD:cal/one.ics"));
    EXPECT_EQ(store->stat("/cal/one.ics")->size, 16u);
    auto history = store->history("/cal/deep/two.ics");
    ASSERT_TRUE(history);
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ((*history)[0].author, "Plain");
    EXPECT_EQ((*history)[0].message, "from elsewhere\n");
    auto changes = store->changes_since("/", *before);
    ASSERT_TRUE(changes);
    EXPECT_EQ(changes->changes.size(), 2u);

    // Quire writes on top of that history; removing the last member of a folder git made
    // keeps the folder as a collection.
    ASSERT_TRUE(put(*store, "/cal/three.ics", "three"));
    ASSERT_TRUE(store->remove("/cal/deep/two.ics", {}, "t"));
    EXPECT_TRUE(store->stat("/cal/deep")->collection);
    EXPECT_EQ(std::stoi(git(repo(), "rev-list --count main")), 3);
    git(work, "pull -q " + quote(repo()) + " main");
    std::ifstream in(work + "/cal/three.ics");
    std::string text;
    in >> text;
    EXPECT_EQ(text, "three");
    EXPECT_EQ(GitBackend::integrity(dir_.path()), "");
}

// Another writer of the branch (what a push does: build a commit on the head it saw, then
// move the ref if it still points there), racing with Quire's own commits.
void external_commits(const std::string& repo, int count) {
    git::Libgit2 library;
    git_repository* raw_repo = nullptr;
    ASSERT_EQ(git_repository_open_bare(&raw_repo, repo.c_str()), 0);
    git::RepoPtr r(raw_repo);
    git_signature* raw_sig = nullptr;
    ASSERT_EQ(git_signature_now(&raw_sig, "External", "ext@example.org"), 0);
    git::SignaturePtr sig(raw_sig);
    for (int i = 0; i < count; ++i) {
        for (;;) {
            git_oid head, blob, tree_id, commit_id;
            ASSERT_EQ(git_reference_name_to_id(&head, r.get(), "refs/heads/main"), 0);
            git_commit* raw_commit = nullptr;
            ASSERT_EQ(git_commit_lookup(&raw_commit, r.get(), &head), 0);
            git::CommitPtr parent(raw_commit);
            git_tree* raw_tree = nullptr;
            ASSERT_EQ(git_commit_tree(&raw_tree, parent.get()), 0);
            git::TreePtr tree(raw_tree);
            ASSERT_EQ(git_blob_create_from_buffer(&blob, r.get(), "e", 1), 0);
            git_treebuilder* raw_builder = nullptr;
            ASSERT_EQ(git_treebuilder_new(&raw_builder, r.get(), tree.get()), 0);
            git::BuilderPtr builder(raw_builder);
            std::string name = "ext" + std::to_string(i);
            ASSERT_EQ(git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &blob,
                                             GIT_FILEMODE_BLOB),
                      0);
            ASSERT_EQ(git_treebuilder_write(&tree_id, builder.get()), 0);
            git_tree* raw_new = nullptr;
            ASSERT_EQ(git_tree_lookup(&raw_new, r.get(), &tree_id), 0);
            git::TreePtr new_tree(raw_new);
            const git_commit* parents[] = {parent.get()};
            ASSERT_EQ(git_commit_create(&commit_id, r.get(), nullptr, sig.get(), sig.get(), nullptr,
                                        "external\n", new_tree.get(), 1, parents),
                      0);
            git_reference* raw_ref = nullptr;
            int rc = git_reference_create_matching(&raw_ref, r.get(), "refs/heads/main", &commit_id,
                                                   1, &head, "external");
            git::RefPtr ref(raw_ref);
            if (rc == 0)
                break;
            ASSERT_TRUE(rc == GIT_EMODIFIED || rc == GIT_ELOCKED) << rc;
        }
    }
}

TEST_F(GitRepoTest, RacingWritersOfTheBranchLoseNoCommitOnEitherSide) {
    auto store = open();
    ASSERT_TRUE(store->mkcol("/quire", "t"));
    constexpr int external = 40, puts = 40;
    std::thread other([&] { external_commits(repo(), external); });
    int failed = 0;
    for (int i = 0; i < puts; ++i)
        failed += !put(*store, "/quire/q" + std::to_string(i), "q");
    other.join();
    EXPECT_EQ(failed, 0);
    // Every commit of both writers is on the branch: a lost compare-and-swap was redone on top
    // of the other side's commit, never forced over it.
    EXPECT_EQ(commits(), 1 + puts + external);
    auto root = store->list("/");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->size(), static_cast<std::size_t>(1 + external));
    auto quire = store->list("/quire");
    ASSERT_TRUE(quire);
    EXPECT_EQ(quire->size(), static_cast<std::size_t>(puts));
    EXPECT_EQ(GitBackend::integrity(dir_.path()), "");
}

TEST_F(GitRepoTest, TokensSurviveReopenAndUnknownCommitsAreInvalid) {
    {
        auto store = open();
        ASSERT_TRUE(store->mkcol("/c", "t"));
    }
    auto store = open();
    auto token = store->sync_token("/c");
    ASSERT_TRUE(token);
    EXPECT_EQ(*token, git(repo(), "rev-parse main"));
    EXPECT_EQ(store->changes_since("/c", std::string(40, 'a')).error().code,
              Errc::invalid_sync_token);
}

} // namespace
} // namespace quire::storage::testing
