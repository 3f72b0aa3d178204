#include "dav/locks/sqlite_lock_store.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "../storage/testing.hpp"

namespace quire::dav {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

// A fresh mkdtemp folder, removed with everything in it at destruction.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "quire-locks-XXXXXX");
        path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

LockRequest request(std::string root, LockScope scope = LockScope::exclusive, bool infinite = false,
                    std::chrono::seconds timeout = 600s) {
    return {std::move(root), scope, infinite, "<D:href>me</D:href>", "alice", timeout};
}

std::vector<std::string> roots(const std::vector<Lock>& locks) {
    std::vector<std::string> out;
    for (const auto& lock : locks) {
        out.push_back(lock.root);
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(DavLockPaths, NormalizeDropsTrailingSlashes) {
    EXPECT_EQ(normalize_lock_path(""), "/");
    EXPECT_EQ(normalize_lock_path("/"), "/");
    EXPECT_EQ(normalize_lock_path("//"), "/");
    EXPECT_EQ(normalize_lock_path("/a/b/"), "/a/b");
    EXPECT_EQ(normalize_lock_path("a"), "/a");
}

TEST(DavLockPaths, NormalizeInPlaceGivesWhatNormalizeGives) {
    for (std::string_view p : {"", "/", "//", "/a", "/a/b/", "a", "a/", "/a//", "/.quire/x"}) {
        std::string in_place(p);
        normalize_lock_path_in_place(in_place);
        EXPECT_EQ(in_place, normalize_lock_path(p)) << p;
    }
}

TEST(DavLockPaths, AncestorOnSegmentBoundaries) {
    EXPECT_TRUE(is_same_or_ancestor("/", "/"));
    EXPECT_TRUE(is_same_or_ancestor("/", "/a/b"));
    EXPECT_TRUE(is_same_or_ancestor("/a", "/a"));
    EXPECT_TRUE(is_same_or_ancestor("/a", "/a/b"));
    EXPECT_FALSE(is_same_or_ancestor("/a", "/ab"));
    EXPECT_FALSE(is_same_or_ancestor("/a/b", "/a"));
    EXPECT_FALSE(is_same_or_ancestor("/a", "/"));
}

class DavLockStore : public testing::Test {
protected:
    void SetUp() override {
        ASSERT_FALSE(dir_.path().empty());
        file_ = dir_.path() + "/locks.db";
        store_ = open();
    }

    std::unique_ptr<LockStore> open() {
        auto store = open_sqlite_lock_store(file_, [this] { return now_.load(); });
        EXPECT_TRUE(store) << (store ? "" : store.error().message);
        return store ? std::move(*store) : nullptr;
    }

    Lock create_ok(const LockRequest& req) {
        auto lock = store_->create(req);
        EXPECT_TRUE(lock) << req.root << ": " << (lock ? "" : lock.error().message);
        return lock ? *lock : Lock{};
    }

    void expect_conflict(const LockRequest& req, const std::string& in_the_way) {
        auto lock = store_->create(req);
        ASSERT_FALSE(lock) << req.root << " was locked";
        EXPECT_EQ(lock.error().code, LockErrc::conflict);
        EXPECT_EQ(lock.error().conflicting_root, in_the_way);
        EXPECT_FALSE(lock.error().message.empty());
    }

    TempDir dir_;
    std::string file_;
    std::atomic<Clock::time_point> now_{Clock::time_point(1'700'000'000s)};
    std::unique_ptr<LockStore> store_;
};

TEST_F(DavLockStore, CreateReturnsTheGrantedLock) {
    const Lock lock = create_ok(request("/a/b/", LockScope::shared, true, 120s));
    EXPECT_TRUE(lock.token.starts_with("urn:uuid:"));
    ASSERT_EQ(lock.token.size(), 9u + 36u);
    EXPECT_EQ(lock.token[9 + 14], '4');                                         // version 4
    EXPECT_NE(std::string("89ab").find(lock.token[9 + 19]), std::string::npos); // variant
    EXPECT_EQ(lock.root, "/a/b");
    EXPECT_EQ(lock.scope, LockScope::shared);
    EXPECT_TRUE(lock.infinite);
    EXPECT_EQ(lock.owner_xml, "<D:href>me</D:href>");
    EXPECT_EQ(lock.principal, "alice");
    EXPECT_EQ(lock.timeout, 120s);
    EXPECT_EQ(lock.expires, now_.load() + 120s);

    auto found = store_->find(lock.token);
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, lock);
}

TEST_F(DavLockStore, AnyTellsWhetherAnUnexpiredLockExists) {
    ASSERT_TRUE(store_->any());
    EXPECT_FALSE(*store_->any());
    const Lock lock = create_ok(request("/a", LockScope::exclusive, false, 60s));
    EXPECT_TRUE(*store_->any());
    now_ = now_.load() + 61s;
    EXPECT_FALSE(*store_->any());
    now_ = now_.load() - 61s;
    ASSERT_TRUE(store_->remove(lock.token));
    EXPECT_FALSE(*store_->any());
}

// any() remembers "no lock" until a write to the table; a lock taken through another
// connection (another process on the same file) must be seen at once.
TEST_F(DavLockStore, AnySeesLocksTakenThroughAnotherConnection) {
    auto other = open();
    ASSERT_TRUE(other);
    EXPECT_FALSE(*store_->any());
    EXPECT_FALSE(*store_->any()); // answered from memory
    auto lock = other->create(request("/elsewhere", LockScope::exclusive, false, 60s));
    ASSERT_TRUE(lock);
    EXPECT_TRUE(*store_->any());
    ASSERT_EQ(store_->covering("/elsewhere")->size(), 1u);
    ASSERT_TRUE(other->remove(lock->token));
    EXPECT_FALSE(*store_->any());
    auto again = other->create(request("/elsewhere", LockScope::exclusive, false, 60s));
    ASSERT_TRUE(again);
    EXPECT_TRUE(*store_->any());
}

TEST_F(DavLockStore, TokensAreUnique) {
    std::set<std::string> tokens;
    for (int i = 0; i < 50; ++i) {
        tokens.insert(create_ok(request("/shared", LockScope::shared)).token);
    }
    EXPECT_EQ(tokens.size(), 50u);
}

TEST_F(DavLockStore, ExclusiveConflictsWithExclusive) {
    create_ok(request("/a"));
    expect_conflict(request("/a"), "/a");
}

TEST_F(DavLockStore, SharedLocksCoexist) {
    create_ok(request("/a", LockScope::shared));
    create_ok(request("/a", LockScope::shared, true));
    auto covering = store_->covering("/a");
    ASSERT_TRUE(covering);
    EXPECT_EQ(covering->size(), 2u);
}

TEST_F(DavLockStore, SharedConflictsWithExclusiveBothWays) {
    create_ok(request("/s", LockScope::shared));
    expect_conflict(request("/s", LockScope::exclusive), "/s");
    create_ok(request("/x", LockScope::exclusive));
    expect_conflict(request("/x", LockScope::shared), "/x");
}

TEST_F(DavLockStore, InfiniteLockOnAncestorBlocksChild) {
    create_ok(request("/a", LockScope::exclusive, true));
    expect_conflict(request("/a/b/c"), "/a");
    expect_conflict(request("/a/b", LockScope::shared), "/a");
}

TEST_F(DavLockStore, InfiniteLockOnRootBlocksEverything) {
    create_ok(request("/", LockScope::exclusive, true));
    expect_conflict(request("/a"), "/");
    expect_conflict(request("/"), "/");
}

TEST_F(DavLockStore, DepthZeroLockOnAncestorDoesNotBlockChild) {
    create_ok(request("/a", LockScope::exclusive, false));
    create_ok(request("/a/b", LockScope::exclusive, true));
}

TEST_F(DavLockStore, InfiniteRequestBlockedByDescendantLock) {
    create_ok(request("/a/b/c"));
    expect_conflict(request("/a", LockScope::exclusive, true), "/a/b/c");
    expect_conflict(request("/", LockScope::shared, true), "/a/b/c");
    // Depth 0 on the ancestor is fine.
    create_ok(request("/a", LockScope::exclusive, false));
}

TEST_F(DavLockStore, SharedInfiniteOverSharedDescendantIsFine) {
    create_ok(request("/a/b", LockScope::shared));
    create_ok(request("/a", LockScope::shared, true));
}

TEST_F(DavLockStore, SiblingsWithCommonPrefixDoNotOverlap) {
    create_ok(request("/a", LockScope::exclusive, true));
    create_ok(request("/ab", LockScope::exclusive, true));
    create_ok(request("/a0"));
    create_ok(request("/a.b"));
    auto within = store_->within("/a");
    ASSERT_TRUE(within);
    EXPECT_EQ(roots(*within), (std::vector<std::string>{"/a"}));
    auto covering = store_->covering("/ab/x");
    ASSERT_TRUE(covering);
    EXPECT_EQ(roots(*covering), (std::vector<std::string>{"/ab"}));
}

TEST_F(DavLockStore, RefreshExtendsExpiry) {
    const Lock lock = create_ok(request("/a", LockScope::exclusive, false, 60s));
    now_ = now_.load() + 50s;
    auto refreshed = store_->refresh(lock.token, "/a", 300s);
    ASSERT_TRUE(refreshed) << refreshed.error().message;
    EXPECT_EQ(refreshed->timeout, 300s);
    EXPECT_EQ(refreshed->expires, now_.load() + 300s);
    EXPECT_EQ(refreshed->token, lock.token);
    // Past the original expiry the lock still holds.
    now_ = now_.load() + 100s;
    auto found = store_->find(lock.token);
    ASSERT_TRUE(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->expires, refreshed->expires);
    expect_conflict(request("/a"), "/a");
}

TEST_F(DavLockStore, TimeoutIsAtLeastOneSecond) {
    const Lock lock = create_ok(request("/a", LockScope::exclusive, false, 0s));
    EXPECT_EQ(lock.timeout, 1s);
    EXPECT_EQ(lock.expires, now_.load() + 1s);
}

TEST_F(DavLockStore, RefreshBelowAnInfiniteLock) {
    const Lock lock = create_ok(request("/a", LockScope::exclusive, true));
    EXPECT_TRUE(store_->refresh(lock.token, "/a/b/c", 30s));
}

TEST_F(DavLockStore, RefreshFailsForWrongTokenOrPath) {
    const Lock lock = create_ok(request("/a", LockScope::exclusive, false));
    auto wrong_token = store_->refresh("urn:uuid:nope", "/a", 30s);
    ASSERT_FALSE(wrong_token);
    EXPECT_EQ(wrong_token.error().code, LockErrc::not_found);
    // Depth 0: a member is not covered, nor is a sibling with a common prefix.
    for (const char* path : {"/a/b", "/ab", "/"}) {
        auto wrong_path = store_->refresh(lock.token, path, 30s);
        ASSERT_FALSE(wrong_path) << path;
        EXPECT_EQ(wrong_path.error().code, LockErrc::not_found) << path;
    }
    // And the failed refreshes left the lock as it was.
    auto found = store_->find(lock.token);
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->expires, lock.expires);
}

TEST_F(DavLockStore, ExpiryFreesTheResource) {
    const Lock lock = create_ok(request("/a", LockScope::exclusive, true, 60s));
    now_ = now_.load() + 59s;
    expect_conflict(request("/a/b"), "/a");
    now_ = now_.load() + 1s; // exactly at expiry: gone
    auto found = store_->find(lock.token);
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->has_value());
    auto covering = store_->covering("/a");
    ASSERT_TRUE(covering);
    EXPECT_TRUE(covering->empty());
    auto refreshed = store_->refresh(lock.token, "/a", 60s);
    ASSERT_FALSE(refreshed);
    EXPECT_EQ(refreshed.error().code, LockErrc::not_found);
    create_ok(request("/a/b"));
    auto removed = store_->remove(lock.token);
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code, LockErrc::not_found);
}

TEST_F(DavLockStore, RemoveFreesAndIsNotFoundTwice) {
    const Lock lock = create_ok(request("/a"));
    ASSERT_TRUE(store_->remove(lock.token));
    auto again = store_->remove(lock.token);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, LockErrc::not_found);
    auto found = store_->find(lock.token);
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->has_value());
    create_ok(request("/a"));
}

TEST_F(DavLockStore, RemoveWithinRemovesTheTreeOnly) {
    create_ok(request("/a"));
    create_ok(request("/a/b", LockScope::shared));
    create_ok(request("/a/b/c/d"));
    create_ok(request("/ab"));
    create_ok(request("/b"));
    ASSERT_TRUE(store_->remove_within("/a/"));
    auto all = store_->within("/");
    ASSERT_TRUE(all);
    EXPECT_EQ(roots(*all), (std::vector<std::string>{"/ab", "/b"}));
    ASSERT_TRUE(store_->remove_within("/"));
    all = store_->within("/");
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->empty());
}

TEST_F(DavLockStore, CoveringAndWithin) {
    create_ok(request("/", LockScope::shared, true));
    create_ok(request("/a", LockScope::shared, false));
    create_ok(request("/a/b", LockScope::shared, true));
    create_ok(request("/a/b/c", LockScope::shared, false));
    create_ok(request("/a/bc", LockScope::shared, false));
    create_ok(request("/z", LockScope::shared, false));

    auto covering = store_->covering("/a/b/c");
    ASSERT_TRUE(covering);
    EXPECT_EQ(roots(*covering), (std::vector<std::string>{"/", "/a/b", "/a/b/c"}));
    covering = store_->covering("/a");
    ASSERT_TRUE(covering);
    EXPECT_EQ(roots(*covering), (std::vector<std::string>{"/", "/a"}));
    covering = store_->covering("/a/x"); // "/a" is depth 0
    ASSERT_TRUE(covering);
    EXPECT_EQ(roots(*covering), (std::vector<std::string>{"/"}));

    auto within = store_->within("/a/b");
    ASSERT_TRUE(within);
    EXPECT_EQ(roots(*within), (std::vector<std::string>{"/a/b", "/a/b/c"}));
    within = store_->within("/a");
    ASSERT_TRUE(within);
    EXPECT_EQ(roots(*within), (std::vector<std::string>{"/a", "/a/b", "/a/b/c", "/a/bc"}));
    within = store_->within("/");
    ASSERT_TRUE(within);
    EXPECT_EQ(within->size(), 6u);
    within = store_->within("/nothing");
    ASSERT_TRUE(within);
    EXPECT_TRUE(within->empty());
}

TEST_F(DavLockStore, LocksSurviveReopening) {
    const Lock a = create_ok(request("/a", LockScope::exclusive, true, 3600s));
    const Lock b = create_ok(request("/b", LockScope::shared, false, 60s));
    store_.reset();

    store_ = open();
    ASSERT_TRUE(store_);
    for (const Lock& lock : {a, b}) {
        auto found = store_->find(lock.token);
        ASSERT_TRUE(found) << found.error().message;
        ASSERT_TRUE(found->has_value()) << lock.root;
        EXPECT_EQ(**found, lock);
    }
    expect_conflict(request("/a/x"), "/a");
    // Expiry still counts after a restart.
    now_ = now_.load() + 61s;
    store_.reset();
    store_ = open();
    ASSERT_TRUE(store_);
    auto found = store_->find(b.token);
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->has_value());
}

TEST_F(DavLockStore, InMemoryStoreWorks) {
    auto memory = open_sqlite_lock_store(":memory:");
    ASSERT_TRUE(memory) << memory.error().message;
    auto lock = (*memory)->create(request("/m"));
    ASSERT_TRUE(lock);
    EXPECT_FALSE((*memory)->create(request("/m")));
}

TEST_F(DavLockStore, OpenFailsWithIoErrorForUnusablePath) {
    auto bad = open_sqlite_lock_store(dir_.path() + "/no/such/dir/locks.db");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, LockErrc::io);
}

// Four threads race for an exclusive lock on the same root: exactly one wins.
TEST_F(DavLockStore, ConcurrentExclusiveCreateOnSharedStoreHasOneWinner) {
    for (int round = 0; round < 20; ++round) {
        const std::string root = "/race" + std::to_string(round);
        std::atomic<int> wins{0};
        std::atomic<int> conflicts{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                auto lock = store_->create(request(root));
                if (lock) {
                    ++wins;
                } else if (lock.error().code == LockErrc::conflict) {
                    ++conflicts;
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        EXPECT_EQ(wins.load(), 1) << root;
        EXPECT_EQ(conflicts.load(), 3) << root;
    }
}

// The same race between four connections to one file (as four processes would be).
TEST_F(DavLockStore, ConcurrentExclusiveCreateAcrossConnectionsHasOneWinner) {
    std::vector<std::unique_ptr<LockStore>> stores;
    for (int t = 0; t < 4; ++t) {
        stores.push_back(open());
        ASSERT_TRUE(stores.back());
    }
    for (int round = 0; round < 20; ++round) {
        const std::string root = "/race" + std::to_string(round);
        std::atomic<int> wins{0};
        std::atomic<int> conflicts{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                // Half ask for the tree, half for the resource: they still exclude each other.
                auto lock = stores[static_cast<std::size_t>(t)]->create(
                    request(root, LockScope::exclusive, t % 2 == 0));
                if (lock) {
                    ++wins;
                } else if (lock.error().code == LockErrc::conflict) {
                    ++conflicts;
                } else {
                    ADD_FAILURE() << lock.error().message;
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        EXPECT_EQ(wins.load(), 1) << root;
        EXPECT_EQ(conflicts.load(), 3) << root;
    }
    auto all = store_->within("/");
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 20u);
}

// A full disk is the table's "full" (507 to the client, RFC 4918 section 11.5), not a fault of
// the server's (500); what was locked before stays locked.
TEST(LockStoreFullDisk, ALockOnAFullDiskFailsAsFull) {
    TempDir dir;
    storage::testing::SmallDisk disk(dir.path());
    QUIRE_SKIP_UNLESS_MOUNTED(disk);
    auto store = open_sqlite_lock_store(disk.path() + "/locks.db");
    ASSERT_TRUE(store) << store.error().message;
    auto before = (*store)->create(request("/kept"));
    ASSERT_TRUE(before);
    storage::testing::fill(disk.path() + "/filler");
    LockResult<Lock> refused = (*store)->create(request("/new"));
    for (int i = 0; refused && i < 200; ++i) // the table's free pages take a few first
        refused = (*store)->create(request("/new" + std::to_string(i)));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, LockErrc::full) << refused.error().message;
    auto kept = (*store)->covering("/kept");
    ASSERT_TRUE(kept) << kept.error().message;
    ASSERT_EQ(kept->size(), 1u);
    EXPECT_EQ(kept->front().token, before->token);
}

} // namespace
} // namespace quire::dav
