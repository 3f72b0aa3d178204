// The fs store's writer lock (storage/fs/folder_lock.hpp): a robust mutex shared by every
// process on the folder, reset by the one that opens the folder alone.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/file.h>

#include "storage/fd.hpp"
#include "storage/fs/folder_lock.hpp"
#include "storage/fs/fs_store.hpp"
#include "testing.hpp"

namespace quire::storage {
namespace {

using fs::FolderLock;
using testing::put;
using testing::run_in_child;
using testing::TempDir;
using testing::WriterLockHolder;

std::string make_store(const TempDir& dir, const std::string& name) {
    const std::string root = dir.path() + "/" + name;
    std::filesystem::create_directories(root);
    auto store = fs::open(root);
    EXPECT_TRUE(store) << store.error().message;
    return root;
}

// A put through a store opened on `root`, in a child that a hang cannot keep: 0 when it
// worked.
int put_in_child(const std::string& root, const std::string& path) {
    return run_in_child([&] {
        auto store = fs::open(root);
        if (!store)
            return 1;
        return put(**store, path, "body") ? 0 : 2;
    });
}

TEST(FolderLock, AnotherProcessHoldingItIsRespected) {
    TempDir dir;
    const std::string root = make_store(dir, "fs");
    auto lock = FolderLock::open(root + "/.quire/lock");
    ASSERT_TRUE(lock) << lock.error().message;
    {
        WriterLockHolder other(root);
        ASSERT_TRUE(other.holding());
        EXPECT_FALSE(lock->try_lock()) << "taken while another process holds it";
    }
    ASSERT_TRUE(lock->try_lock()) << "still held after the other process let go";
    // Held here, a writer in another process waits: its put cannot have happened.
    EXPECT_EQ(run_in_child([&] {
                  auto other = FolderLock::open(root + "/.quire/lock");
                  return other && !other->try_lock() ? 0 : 1;
              }),
              0);
    lock->unlock();
    EXPECT_EQ(put_in_child(root, "/after"), 0);
}

// A writer killed while it holds the lock (its process died mid-write) does not keep it: the
// next taker is told, and writes.
TEST(FolderLock, AHolderThatDiesFreesIt) {
    TempDir dir;
    const std::string root = make_store(dir, "fs");
    auto store = fs::open(root); // open all along: the lock is not initialised again
    ASSERT_TRUE(store) << store.error().message;
    WriterLockHolder other(root);
    ASSERT_TRUE(other.holding());
    other.kill();
    ASSERT_EQ(put_in_child(root, "/a"), 0) << "a put waited for a dead holder";
    ASSERT_TRUE(put(**store, "/b", "b"));
    EXPECT_EQ(testing::get(**store, "/a").value_or("?"), "body");
}

// What a folder keeps across a reboot: its lock file may hold a mutex that was locked, by a
// thread that is gone (or whose id is another's now), and no process on the robust list to
// free it. Made here by copying a held lock's file into another folder. The first process
// that opens the folder alone initialises it again.
TEST(FolderLock, ALockLeftHeldInTheFileIsResetByTheFirstOpener) {
    TempDir dir;
    const std::string held = make_store(dir, "held");
    const std::string copy = make_store(dir, "copy");
    WriterLockHolder other(held);
    ASSERT_TRUE(other.holding());
    std::filesystem::copy_file(held + "/.quire/lock", copy + "/.quire/lock",
                               std::filesystem::copy_options::overwrite_existing);
    {
        auto stale = FolderLock::open(copy + "/.quire/lock");
        ASSERT_TRUE(stale);
        EXPECT_TRUE(stale->try_lock()) << "not initialised again";
        stale->unlock();
    }
    std::filesystem::copy_file(held + "/.quire/lock", copy + "/.quire/lock",
                               std::filesystem::copy_options::overwrite_existing);
    EXPECT_EQ(put_in_child(copy, "/a"), 0);
}

// Quire before fs schema 6 took flock(LOCK_EX) on the lock file for each write: while a store
// is open, such a writer cannot get it (it waits, never writes beside this one).
TEST(FolderLock, AnOlderQuireCannotWriteWhileTheFolderIsOpen) {
    TempDir dir;
    const std::string root = make_store(dir, "fs");
    UniqueFd older(::open((root + "/.quire/lock").c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(older);
    {
        auto store = fs::open(root);
        ASSERT_TRUE(store) << store.error().message;
        EXPECT_NE(::flock(older.get(), LOCK_EX | LOCK_NB), 0);
        EXPECT_EQ(errno, EWOULDBLOCK);
    }
    EXPECT_EQ(::flock(older.get(), LOCK_EX | LOCK_NB), 0) << "closing the store lets it go";
    // And the other way round: with an older writer inside, an open waits for it.
    EXPECT_EQ(run_in_child([&] { return FolderLock::open(root + "/.quire/lock") ? 0 : 1; }, 1),
              128 + SIGALRM);
    ::flock(older.get(), LOCK_UN);
    EXPECT_EQ(put_in_child(root, "/a"), 0);
}

TEST(FolderLock, ALockFileThatCannotBeOpenedIsAnErrorNamingIt) {
    TempDir dir;
    auto lock = FolderLock::open(dir.path() + "/missing/lock");
    ASSERT_FALSE(lock);
    EXPECT_NE(lock.error().message.find(dir.path() + "/missing/lock"), std::string::npos)
        << lock.error().message;
}

} // namespace
} // namespace quire::storage
