// Several processes on one store: the writer lock and preconditions hold across processes (the
// flock of fs and git, SQLite's BEGIN IMMEDIATE, git's ref compare-and-swap).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "testing.hpp"

namespace quire::storage::testing {
namespace {

template <class Backend>
class ProcessTest : public ::testing::Test {};

using Backends = ::testing::Types<FsBackend, FsQuickBackend, SqliteBackend, GitBackend>;
TYPED_TEST_SUITE(ProcessTest, Backends, BackendNames);

TYPED_TEST(ProcessTest, ConditionalWritersInSeveralProcessesExactlyOneWins) {
    TempDir dir;
    std::string etag;
    {
        auto store = TypeParam::open(dir.path());
        ASSERT_TRUE(store) << store.error().message;
        auto first = put(**store, "/shared", "start");
        ASSERT_TRUE(first);
        etag = first->etag;
    }
    constexpr int writers = 4;
    int gate[2];
    ASSERT_EQ(::pipe(gate), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < writers; ++i) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(gate[1]);
            auto store = TypeParam::open(dir.path());
            if (!store)
                ::_exit(3);
            char c;
            (void)::read(gate[0], &c, 1); // returns 0 when the parent opens the gate
            auto r = put(**store, "/shared", "process " + std::to_string(i), {.if_match = etag});
            ::_exit(r ? 0 : r.error().code == Errc::precondition_failed ? 1 : 2);
        }
        children.push_back(pid);
    }
    ::close(gate[0]);
    ::close(gate[1]); // every child starts its write now
    int wins = 0, refused = 0;
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        wins += WEXITSTATUS(status) == 0;
        refused += WEXITSTATUS(status) == 1;
    }
    EXPECT_EQ(wins, 1);
    EXPECT_EQ(refused, writers - 1);
    auto store = TypeParam::open(dir.path());
    ASSERT_TRUE(store);
    EXPECT_TRUE(get(**store, "/shared")->starts_with("process "));
    EXPECT_EQ(TypeParam::integrity(dir.path()), "");
}

} // namespace
} // namespace quire::storage::testing
