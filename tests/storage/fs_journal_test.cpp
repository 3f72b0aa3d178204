// The fs backend's quick journal (storage/fs/journal.hpp): the file format on its own, then
// what a non-durable store does with it: records folded into meta.db by whichever store on
// the folder reads or writes next, at open after a process left without folding, and never
// twice.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/fd.hpp"
#include "storage/fs/journal.hpp"
#include "storage/fs/taken_names.hpp"
#include "testing.hpp"

namespace quire::storage::testing {
namespace {

using fs::Journal;
using fs::JournalOp;
using fs::JournalRecord;
using fs::JournalState;

class JournalTest : public ::testing::Test {
protected:
    Journal open_journal(std::uint32_t capacity = Journal::default_capacity) {
        auto j = Journal::open(file(), capacity);
        EXPECT_TRUE(j) << (j ? "" : j.error().message);
        return j ? std::move(*j) : Journal();
    }
    std::string file() const { return dir_.path() + "/journal"; }

    TempDir dir_;
};

TEST_F(JournalTest, RecordsComeBackInOrderWithTheirStatesAndSurviveReopening) {
    {
        Journal j = open_journal();
        ASSERT_TRUE(j.enabled());
        EXPECT_TRUE(j.empty());
        auto a = j.append({.op = JournalOp::put,
                           .created = true,
                           .inode = 42,
                           .path = "/doc",
                           .type = "text/plain",
                           .staging = "/root/.quire-tmp-1"});
        auto b = j.append({.op = JournalOp::move, .inode = 7, .path = "/x", .to = "/y"});
        ASSERT_TRUE(a && b);
        EXPECT_FALSE(j.empty());
        // The last record, still pending, is what a killed process leaves.
        auto tail = j.pending_tail();
        ASSERT_TRUE(tail);
        EXPECT_EQ(tail->first, *b);
        j.finish(*a, true);
        j.finish(*b, false);
        EXPECT_FALSE(j.pending_tail());
    }
    Journal j = open_journal();
    auto records = j.records();
    ASSERT_TRUE(records) << records.error().message;
    ASSERT_EQ(records->size(), 2u);
    const JournalRecord& put = (*records)[0];
    EXPECT_EQ(put.op, JournalOp::put);
    EXPECT_EQ(put.state, JournalState::done);
    EXPECT_TRUE(put.created);
    EXPECT_EQ(put.inode, 42u);
    EXPECT_EQ(put.path, "/doc");
    EXPECT_EQ(put.to, "");
    EXPECT_EQ(put.type, "text/plain");
    EXPECT_EQ(put.staging, "/root/.quire-tmp-1");
    const JournalRecord& move = (*records)[1];
    EXPECT_EQ(move.op, JournalOp::move);
    EXPECT_EQ(move.state, JournalState::cancelled);
    EXPECT_EQ(move.path, "/x");
    EXPECT_EQ(move.to, "/y");
}

TEST_F(JournalTest, ClearingEmptiesItAndStartsANewEpoch) {
    Journal j = open_journal();
    ASSERT_TRUE(j.append({.op = JournalOp::move, .path = "/a", .to = "/b"}));
    const auto epoch = j.epoch();
    j.clear();
    EXPECT_TRUE(j.empty());
    EXPECT_NE(j.epoch(), epoch);
    EXPECT_TRUE(j.records()->empty());
}

TEST_F(JournalTest, ARecordThatDoesNotFitIsRefusedAndTheOthersStay) {
    Journal j = open_journal(4096);
    const std::string long_path = "/" + std::string(1000, 'p');
    int appended = 0;
    while (j.append({.op = JournalOp::move, .path = long_path, .to = long_path}))
        ++appended;
    EXPECT_EQ(appended, 1); // 64-byte header, then 32 + 2,002 bytes rounded: one fits
    EXPECT_TRUE(j.append({.op = JournalOp::move, .path = "/a", .to = "/b"}));
    auto records = j.records();
    ASSERT_TRUE(records);
    EXPECT_EQ(records->size(), 2u);
}

TEST_F(JournalTest, AFileThatIsNotAJournalIsRefusedNamingIt) {
    std::ofstream(file()) << "this is not a journal, and it must not be overwritten";
    auto j = Journal::open(file());
    ASSERT_FALSE(j);
    EXPECT_NE(j.error().message.find(file()), std::string::npos) << j.error().message;
    std::ifstream in(file());
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "this is not a journal, and it must not be overwritten");
}

// A file of zeros is a journal whose process died between preallocating and writing the
// header: it is made anew. A header zeroed over records is damage: refused, not emptied.
TEST_F(JournalTest, AZeroedHeaderOverRecordsIsRefusedAndAFileOfZerosIsNew) {
    std::ofstream(file()).close();
    std::filesystem::resize_file(file(), 4096);
    EXPECT_TRUE(open_journal().enabled());
    {
        Journal j = open_journal();
        auto a = j.append({.op = JournalOp::move, .path = "/a", .to = "/b"});
        ASSERT_TRUE(a);
        j.finish(*a, true);
    }
    {
        std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
        const std::string zeros(64, '\0');
        f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    }
    auto refused = Journal::open(file());
    ASSERT_FALSE(refused) << "a journal with records was opened as a new one";
    EXPECT_NE(refused.error().message.find(file()), std::string::npos) << refused.error().message;
}

TEST_F(JournalTest, ADamagedRecordIsAnErrorNotARecord) {
    std::uint32_t at = 0;
    {
        Journal j = open_journal();
        auto a = j.append({.op = JournalOp::move, .path = "/a", .to = "/b"});
        ASSERT_TRUE(a);
        at = *a;
    }
    {
        // The size field of the record (right after the 64-byte header) made odd.
        std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(64 + at);
        const char bad[4] = {3, 0, 0, 0};
        f.write(bad, 4);
    }
    Journal j = open_journal();
    auto records = j.records();
    ASSERT_FALSE(records);
    EXPECT_NE(records.error().message.find("damaged record at offset 0"), std::string::npos)
        << records.error().message;
}

// --- a non-durable fs store on the journal ---

Result<std::unique_ptr<Store>> open_quick(const std::string& dir) {
    return FsQuickBackend::open(dir);
}

std::string changes(Store& store, const std::string& token) {
    auto c = store.changes_since("/", token);
    if (!c)
        return "error: " + c.error().message;
    std::string out;
    for (auto& change : c->changes)
        out += change.path + ":" + std::to_string(static_cast<int>(change.kind)) + " ";
    return out;
}

void put_typed(Store& store, const std::string& path, const std::string& body,
               const std::string& type) {
    MemorySource source(body);
    auto r = store.put(path, source, {.content_type = type}, "t");
    ASSERT_TRUE(r) << r.error().message;
}

std::string journal_file(const std::string& dir) {
    return dir + "/fs/.quire/journal";
}

std::string sql_rows(const std::string& dir, const std::string& query) {
    auto [out, status] =
        capture("sqlite3 " + quote(dir + "/fs/.quire/meta.db") + " " + quote(query));
    EXPECT_EQ(status, 0) << query;
    return out;
}

// A store that is never destroyed: its destructor would fold the journal.
Store* leaked(Result<std::unique_ptr<Store>> opened) {
    return opened ? opened->release() : nullptr;
}

// Runs f in a child that leaves with _exit (f must leak its store: see leaked()).
template <class F>
void in_child_without_folding(F f) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::_exit(f() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(FsQuick, MovedDocumentsKeepTheirPropertiesAndTheChangeLogTellsTheMove) {
    TempDir dir;
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    put_typed(**store, "/a", "body of a", "text/plain");
    std::vector<PropOp> ops = {{{"urn:x", "colour"}, "blue"}};
    ASSERT_TRUE((*store)->patch_props("/a", ops, "t"));
    auto token = (*store)->sync_token("/");
    ASSERT_TRUE(token);

    auto created = (*store)->move("/a", "/b", false, "t");
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_TRUE(*created);
    EXPECT_FALSE(std::filesystem::is_empty(journal_file(dir.path())));
    EXPECT_EQ(dead_prop(**store, "/b"), "colour=blue;");
    EXPECT_EQ((*store)->stat("/b")->content_type, "text/plain");
    EXPECT_EQ((*store)->stat("/a").error().code, Errc::not_found);
    // removed = 2, added = 0 (storage::ChangeKind): coalesced per path.
    EXPECT_EQ(changes(**store, *token), "/a:2 /b:0 ");
}

TEST(FsQuick, AnotherStoreOnTheFolderFoldsWhatThisOneJournalled) {
    TempDir dir;
    auto first = open_quick(dir.path());
    auto second = open_quick(dir.path());
    ASSERT_TRUE(first && second);
    put_typed(**first, "/a", "a", "text/calendar");
    ASSERT_TRUE((*first)->move("/a", "/b", false, "t"));
    // The second store has cached nothing yet; it must fold the first one's records.
    EXPECT_EQ((*second)->stat("/b")->content_type, "text/calendar");
    put_typed(**second, "/c", "c", "text/vcard");
    EXPECT_EQ((*first)->stat("/c")->content_type, "text/vcard");
}

TEST(FsQuick, WhatAProcessJournalledIsFoldedAtTheNextOpen) {
    TempDir dir;
    std::string token;
    {
        auto store = open_quick(dir.path());
        ASSERT_TRUE(store);
        put_typed(**store, "/a", "a", "text/plain");
        std::vector<PropOp> ops = {{{"urn:x", "p"}, "A"}};
        ASSERT_TRUE((*store)->patch_props("/a", ops, "t"));
        token = *(*store)->sync_token("/");
    }
    in_child_without_folding([&] {
        Store* store = leaked(open_quick(dir.path()));
        MemorySource source("json");
        return store && store->move("/a", "/b", false, "t") &&
               store->put("/j", source, {.content_type = "application/json"}, "t");
    });
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(dead_prop(**store, "/b"), "p=A;");
    EXPECT_EQ((*store)->stat("/b")->content_type, "text/plain");
    EXPECT_EQ((*store)->stat("/j")->content_type, "application/json");
    EXPECT_EQ(changes(**store, token), "/a:2 /b:0 /j:0 ");
    EXPECT_EQ(FsBackend::integrity(dir.path()), "");
}

// A crash after the fold committed but before the journal was emptied: the next fold must not
// apply the same records again. Here moving /a to /b a second time would give /b the media
// type and properties of the new /a.
TEST(FsQuick, AJournalFoldedBeforeACrashIsNotFoldedAgain) {
    TempDir dir;
    {
        auto store = open_quick(dir.path());
        ASSERT_TRUE(store);
        put_typed(**store, "/a", "a", "text/plain");
        std::vector<PropOp> ops = {{{"urn:x", "p"}, "A"}};
        ASSERT_TRUE((*store)->patch_props("/a", ops, "t"));
    }
    in_child_without_folding([&] {
        Store* store = leaked(open_quick(dir.path()));
        MemorySource source("new a");
        return store && store->move("/a", "/b", false, "t") &&
               store->put("/a", source, {.content_type = "application/json"}, "t");
    });
    const std::string saved = dir.path() + "/journal.saved";
    std::filesystem::copy_file(journal_file(dir.path()), saved);
    std::string token;
    {
        auto store = open_quick(dir.path()); // folds, then empties the journal
        ASSERT_TRUE(store);
        token = *(*store)->sync_token("/");
    }
    // The journal as it was before it was emptied.
    std::filesystem::copy_file(saved, journal_file(dir.path()),
                               std::filesystem::copy_options::overwrite_existing);
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(dead_prop(**store, "/b"), "p=A;");
    EXPECT_EQ((*store)->stat("/b")->content_type, "text/plain");
    EXPECT_EQ(dead_prop(**store, "/a"), "");
    EXPECT_EQ((*store)->stat("/a")->content_type, "application/json");
    EXPECT_EQ(changes(**store, token), "") << "the change log got the moves twice";
}

TEST(FsQuick, ADamagedJournalKeepsTheStoreClosedWithAMessageNamingIt) {
    TempDir dir;
    {
        auto store = open_quick(dir.path());
        ASSERT_TRUE(store);
    }
    std::ofstream(journal_file(dir.path()), std::ios::trunc) << "garbage";
    auto store = open_quick(dir.path());
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().message.find(journal_file(dir.path())), std::string::npos)
        << store.error().message;
}

// A journal that stops reading while the store is open (here a record damaged by another
// program; a file system turned read-only does the same to the fold's commit) keeps writes
// out, with a message naming it, but readers read meta.db as it is and go on.
TEST(FsQuick, ReadsGoOnWhenTheJournalCannotBeFolded) {
    TempDir dir;
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(put(**store, "/a", "journalled"));
    {
        // The first record's size field (right after the 64-byte header) made odd.
        std::fstream f(journal_file(dir.path()), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(64);
        const char bad[4] = {3, 0, 0, 0};
        f.write(bad, 4);
    }
    auto listed = (*store)->list("/", {});
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(get(**store, "/a").value_or("error"), "journalled");
    auto props = (*store)->props("/a");
    EXPECT_TRUE(props) << props.error().message;
    auto refused = (*store)->mkcol("/col", "");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(journal_file(dir.path())), std::string::npos)
        << refused.error().message;
}

// A durable store journals nothing, but folds what a non-durable one left.
TEST(FsQuick, ADurableStoreFoldsWhatAQuickOneLeft) {
    TempDir dir;
    in_child_without_folding([&] {
        Store* store = leaked(open_quick(dir.path()));
        MemorySource source("x");
        return store && store->put("/x", source, {.content_type = "text/x-test"}, "t") &&
               store->move("/x", "/y", false, "t");
    });
    auto store = FsBackend::open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->stat("/y")->content_type, "text/x-test");
    // The durable move (one transaction) comes after the fold in the change log and takes the
    // folded media type along.
    auto token = (*store)->sync_token("/");
    ASSERT_TRUE((*store)->move("/y", "/z", false, "t"));
    EXPECT_EQ((*store)->stat("/z")->content_type, "text/x-test");
    EXPECT_EQ(changes(**store, *token), "/y:2 /z:0 ");
}

// A process killed right after its rename, before it marked the record done (no system call
// lies between the two, so no seccomp kill can land there): made by hand here. What is on
// disk says the move happened, and the properties must follow it.
TEST(FsQuick, APendingMoveWhoseRenameHappenedIsSettledAsDone) {
    TempDir dir;
    const std::string root = dir.path() + "/fs";
    std::string token;
    {
        auto store = open_quick(dir.path());
        ASSERT_TRUE(store);
        put_typed(**store, "/a", "a", "text/plain");
        token = *(*store)->sync_token("/");
    }
    struct stat st {};
    ASSERT_EQ(::stat((root + "/a").c_str(), &st), 0);
    {
        auto journal = Journal::open(journal_file(dir.path()));
        ASSERT_TRUE(journal) << journal.error().message;
        ASSERT_TRUE(
            journal->append({.op = JournalOp::move, .inode = st.st_ino, .path = "/a", .to = "/b"}));
    }
    std::filesystem::rename(root + "/a", root + "/b");
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->stat("/b")->content_type, "text/plain");
    EXPECT_EQ(changes(**store, token), "/a:2 /b:0 ");
}

// try_move_now() never waits: with the writer lock held elsewhere (here by another process)
// it declines, and it takes only the quick case.
TEST(FsQuick, MovingNowDeclinesWhatWouldWaitOrTakeTheLongWay) {
    TempDir dir;
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store);
    put_typed(**store, "/a", "a", "text/plain");
    put_typed(**store, "/taken", "t", "text/plain");
    ASSERT_TRUE((*store)->mkcol("/folder", "t"));
    {
        WriterLockHolder other(dir.path() + "/fs");
        ASSERT_TRUE(other.holding());
        EXPECT_FALSE((*store)->try_move_now("/a", "/b", false, "t")) << "it waited or moved";
        EXPECT_EQ((*store)->stat("/a")->content_type, "text/plain");
    }
    EXPECT_FALSE((*store)->try_move_now("/folder", "/folder2", false, "t")) << "a collection";
    EXPECT_FALSE((*store)->try_move_now("/a", "/taken", true, "t")) << "an overwrite";
    // A taken destination, or one without its folder, is found by the rename itself
    // (RENAME_NOREPLACE): declined, and the full move answers why.
    const auto token = (*store)->sync_token("/");
    ASSERT_TRUE(token);
    EXPECT_FALSE((*store)->try_move_now("/a", "/taken", false, "t")) << "a taken name";
    EXPECT_FALSE((*store)->try_move_now("/a", "/none/b", false, "t")) << "no folder";
    EXPECT_EQ(get(**store, "/taken").value_or("?"), "t");
    EXPECT_EQ(get(**store, "/a").value_or("?"), "a");
    EXPECT_EQ(changes(**store, *token), "") << "a refused rename logs nothing";
    auto refused = (*store)->move("/a", "/taken", false, "t");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::precondition_failed);
    auto missing = (*store)->try_move_now("/nothing", "/b", false, "t");
    ASSERT_TRUE(missing && !*missing);
    EXPECT_EQ(missing->error().code, Errc::not_found);
    auto moved = (*store)->try_move_now("/a", "/b", false, "t");
    ASSERT_TRUE(moved && *moved) << (moved ? moved->error().message : "declined");
    EXPECT_TRUE(**moved);
    EXPECT_EQ((*store)->stat("/b")->content_type, "text/plain");

    auto durable = FsBackend::open(dir.path() + "/durable");
    ASSERT_TRUE(durable);
    ASSERT_TRUE(put(**durable, "/a", "a"));
    EXPECT_FALSE((*durable)->try_move_now("/a", "/b", false, "t")) << "a durable store";
}

// try_put_now() as try_move_now(): it declines while another process holds the writer lock,
// and on a durable store; else it puts at once, through the journal.
TEST(FsQuick, PuttingNowDeclinesWhatWouldWaitAndPutsTheRest) {
    TempDir dir;
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store);
    const PutOptions typed{.content_type = "text/plain"};
    {
        WriterLockHolder other(dir.path() + "/fs");
        ASSERT_TRUE(other.holding());
        EXPECT_FALSE((*store)->try_put_now("/a", "a", typed, "t")) << "it waited or put";
    }
    EXPECT_FALSE((*store)->stat("/a")) << "put while it declined";
    auto created = (*store)->try_put_now("/a", "a", typed, "t");
    ASSERT_TRUE(created && *created) << (created ? created->error().message : "declined");
    EXPECT_TRUE((*created)->created);
    auto replaced = (*store)->try_put_now("/a", "again", {}, "t");
    ASSERT_TRUE(replaced && *replaced);
    EXPECT_FALSE((*replaced)->created);
    EXPECT_NE((*replaced)->etag, (*created)->etag);
    EXPECT_EQ(get(**store, "/a").value_or("?"), "again");
    EXPECT_EQ((*store)->stat("/a")->etag, (*replaced)->etag);
    EXPECT_EQ((*store)->stat("/a")->content_type, "application/octet-stream")
        << "the default type replaced text/plain";
    auto orphan = (*store)->try_put_now("/none/a", "x", {}, "t");
    ASSERT_TRUE(orphan && !*orphan);
    EXPECT_EQ(orphan->error().code, Errc::conflict);

    auto durable = FsBackend::open(dir.path() + "/durable");
    ASSERT_TRUE(durable);
    EXPECT_FALSE((*durable)->try_put_now("/a", "a", {}, "t")) << "a durable store";
}

// try_put_now() renames its body into place from .quire/tmp: without replacing anything when
// the precondition allows a free name, else over the document after looking at it. Every
// refusal leaves the document and the change log as they were, and nothing in .quire/tmp.
TEST(FsQuick, PuttingNowKeepsPreconditionsCollectionsAndTheChangeLog) {
    TempDir dir;
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->mkcol("/folder", "t"));
    auto first = (*store)->try_put_now("/doc", "v1", {}, "t");
    ASSERT_TRUE(first && *first);
    const auto token = (*store)->sync_token("/");
    ASSERT_TRUE(token);
    auto refuse = [&](std::string_view path, const Precondition& pre) {
        auto put = (*store)->try_put_now(path, "refused", {.precondition = pre}, "t");
        if (!put)
            return std::string("declined");
        return *put ? std::string("put") : std::string(to_string((*put).error().code));
    };
    EXPECT_EQ(refuse("/doc", {.if_none_match = "*"}), "precondition failed");
    EXPECT_EQ(refuse("/doc", {.if_match = "\"wrong\""}), "precondition failed");
    EXPECT_EQ(refuse("/new", {.if_match = "*"}), "precondition failed");
    EXPECT_EQ(refuse("/folder", {}), "is a collection");
    EXPECT_EQ(get(**store, "/doc").value_or("?"), "v1");
    EXPECT_FALSE((*store)->stat("/new"));
    EXPECT_EQ(changes(**store, *token), "") << "a refused PUT logs nothing";

    auto matched =
        (*store)->try_put_now("/doc", "v2", {.precondition = {.if_match = (*first)->etag}}, "t");
    ASSERT_TRUE(matched && *matched) << (matched ? matched->error().message : "declined");
    EXPECT_FALSE((*matched)->created);
    auto fresh =
        (*store)->try_put_now("/folder/n", "n", {.precondition = {.if_none_match = "*"}}, "t");
    ASSERT_TRUE(fresh && *fresh);
    EXPECT_TRUE((*fresh)->created);
    EXPECT_EQ(get(**store, "/doc").value_or("?"), "v2");
    EXPECT_EQ(changes(**store, *token), "/doc:1 /folder/n:0 ");
    std::size_t leftovers = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path()))
        leftovers += entry.path().filename().string().starts_with(".quire-tmp");
    EXPECT_EQ(leftovers, 0u);
}

// A name that quick PUTs found taken is looked at first the next time (TakenNames): once it
// is gone (removed through the store or by another program), a PUT there still creates it
// (201, logged as added), and If-None-Match: * still holds for it.
TEST(FsQuick, ANameSeenTakenIsCreatedAgainOnceItIsGone) {
    TempDir dir;
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store);
    auto put_now = [&](const std::string& body, Precondition pre = {}) -> std::string {
        auto put = (*store)->try_put_now("/doc", body, {.precondition = pre}, "t");
        if (!put)
            return "declined";
        if (!*put)
            return std::string(to_string(put->error().code));
        return (*put)->created ? "created" : "replaced";
    };
    EXPECT_EQ(put_now("v1"), "created");
    EXPECT_EQ(put_now("v2"), "replaced"); // seen taken from here on
    EXPECT_EQ(put_now("v3"), "replaced");
    EXPECT_EQ(put_now("no", {.if_none_match = "*"}), "precondition failed");

    ASSERT_TRUE((*store)->remove("/doc", {}, "t"));
    const auto token = (*store)->sync_token("/");
    ASSERT_TRUE(token);
    EXPECT_EQ(put_now("v4", {.if_none_match = "*"}), "created");
    EXPECT_EQ(changes(**store, *token), "/doc:0 ") << "logged as added";
    EXPECT_EQ(put_now("v5"), "replaced");

    ASSERT_TRUE(std::filesystem::remove(dir.path() + "/fs/doc")); // another program
    EXPECT_EQ(put_now("v6"), "created");
    EXPECT_EQ(get(**store, "/doc").value_or("?"), "v6");
}

TEST(FsTakenNames, RemembersANameUntilItIsSeenFree) {
    fs::TakenNames names;
    EXPECT_FALSE(names.likely("/a"));
    names.seen("/a", true);
    EXPECT_TRUE(names.likely("/a"));
    EXPECT_FALSE(names.likely("/b"));
    names.seen("/b", false); // another name's news leaves /a alone unless they share a slot
    names.seen("/a", false);
    EXPECT_FALSE(names.likely("/a"));
}

// One fold over a batch of records that hand properties along: it asks once which paths have
// properties and follows them through the records. Names with JSON's special characters
// (the paths go to SQLite as a JSON array) must be found too.
TEST(FsQuick, OneFoldFollowsPropertiesThroughChainsOfMovesAndPuts) {
    TempDir dir;
    auto store = open_quick(dir.path());
    ASSERT_TRUE(store);
    const std::string odd = "/q\"uote\\back \x01ctl \xc3\xa9";
    put_typed(**store, odd, "odd", "text/plain");
    put_typed(**store, "/x", "x", "text/plain");
    std::vector<PropOp> ops = {{{"urn:x", "p"}, "X"}};
    ASSERT_TRUE((*store)->patch_props("/x", ops, "t")); // folds: the batch starts here
    put_typed(**store, "/a", "a", "application/json");
    ASSERT_TRUE((*store)->move("/a", "/b", false, "t"));
    ASSERT_TRUE((*store)->move("/b", "/c", false, "t"));
    put_typed(**store, "/c", "c again", "application/octet-stream"); // the default: no type
    ASSERT_TRUE((*store)->move("/x", "/a", false, "t"));
    ASSERT_TRUE((*store)->move(odd, "/odd", false, "t"));
    ASSERT_TRUE((*store)->move("/odd", odd + "2", false, "t"));
    EXPECT_EQ(dead_prop(**store, "/a"), "p=X;"); // the first read folds all of it
    EXPECT_EQ((*store)->stat("/a")->content_type, "text/plain");
    EXPECT_EQ((*store)->stat("/c")->content_type, "application/octet-stream");
    EXPECT_EQ(dead_prop(**store, "/c"), "");
    EXPECT_EQ((*store)->stat(odd + "2")->content_type, "text/plain");
    EXPECT_EQ(sql_rows(dir.path(), "SELECT path, name FROM props ORDER BY path, name"),
              "/a|getcontenttype\n/a|p\n" + odd + "2|getcontenttype\n")
        << "properties left behind on names that moved away";
}

} // namespace
} // namespace quire::storage::testing
