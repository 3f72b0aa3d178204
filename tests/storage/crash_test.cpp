// Crash safety: a child process writes in a loop and is SIGKILLed at random points. Every write
// it reported as committed must survive with its etag; nothing may be half-written; the
// backend's own checker (PRAGMA integrity_check, git fsck) must pass.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <poll.h>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "storage/path.hpp"
#include "testing.hpp"

namespace quire::storage::testing {
namespace {

constexpr int kills = 20;
constexpr int moved_members = 5;
const std::vector<PropOp> moved_props = {{{"urn:x", "colour"}, "<c>blue</c>"}};

// The body of write i is fully determined by its path, so a torn write cannot pass for a
// whole one. Every fifth body is large enough to take the backends' streaming paths.
std::string body_for(const std::string& path, int i) {
    std::size_t size = i % 5 == 0 ? 300'000 + static_cast<std::size_t>(i) * 7
                                  : 100 + static_cast<std::size_t>(i) * 37 % 5000;
    std::string out;
    out.reserve(size + path.size());
    while (out.size() < size)
        out += path + ";";
    out.resize(size);
    return out;
}

int index_of(const std::string& path) {
    return std::stoi(path.substr(path.rfind('-') + 1));
}

template <class Backend>
[[noreturn]] void writer(const std::string& dir, int round, int report_fd) {
    auto store = Backend::open(dir);
    if (!store)
        ::_exit(2);
    for (int i = 0;; ++i) {
        if (i % 4 == 3) {
            // A collection with members and properties moves back and forth: a kill in the
            // middle must leave it whole under exactly one of its names.
            bool at_a = (*store)->stat("/ma").has_value();
            auto moved = (*store)->move(at_a ? "/ma" : "/mb", at_a ? "/mb" : "/ma", false, "t");
            if (!moved) {
                std::fprintf(stderr, "move failed: %s\n", moved.error().message.c_str());
                ::_exit(5);
            }
            continue;
        }
        std::string path = "/crash/r" + std::to_string(round) + "-" + std::to_string(i);
        auto r = put(**store, path, body_for(path, i));
        if (!r) {
            std::fprintf(stderr, "put failed: %s\n", r.error().message.c_str());
            ::_exit(3);
        }
        std::string line = path + " " + r->etag + "\n";
        if (::write(report_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            ::_exit(4);
    }
}

template <class Backend>
class CrashTest : public ::testing::Test {};

using Backends = ::testing::Types<FsBackend, SqliteBackend, GitBackend>;
TYPED_TEST_SUITE(CrashTest, Backends, BackendNames);

TYPED_TEST(CrashTest, KilledWriterLosesNothingItReported) {
    TempDir dir;
    {
        auto store = TypeParam::open(dir.path());
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE((*store)->mkcol("/crash", "t"));
        ASSERT_TRUE((*store)->mkcol("/ma", "t"));
        for (int i = 0; i < moved_members; ++i)
            ASSERT_TRUE(put(**store, "/ma/m" + std::to_string(i), "member"));
        ASSERT_TRUE((*store)->patch_props("/ma", moved_props, "t"));
    }
    std::mt19937 rng(std::random_device{}());
    std::map<std::string, std::string> reported;
    for (int round = 0; round < kills; ++round) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            writer<TypeParam>(dir.path(), round, fds[1]);
        }
        ::close(fds[1]);
        // Wait for the first report, let it run a random while longer, then kill it.
        pollfd pfd{fds[0], POLLIN, 0};
        ASSERT_EQ(::poll(&pfd, 1, -1), 1);
        std::this_thread::sleep_for(
            std::chrono::microseconds(std::uniform_int_distribution<int>(0, 30'000)(rng)));
        ::kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself, status " << status;
        std::string lines;
        char buf[4096];
        while (ssize_t n = ::read(fds[0], buf, sizeof buf)) {
            ASSERT_GT(n, 0);
            lines.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fds[0]);
        std::size_t pos = 0;
        while (true) {
            auto end = lines.find('\n', pos);
            if (end == std::string::npos)
                break; // a line cut by the kill reports nothing
            std::string line = lines.substr(pos, end - pos);
            auto space = line.find(' ');
            reported[line.substr(0, space)] = line.substr(space + 1);
            pos = end + 1;
        }

        ASSERT_EQ(TypeParam::integrity(dir.path()), "") << "after kill " << round;
        auto store = TypeParam::open(dir.path());
        ASSERT_TRUE(store) << store.error().message;
        for (auto& [path, etag] : reported) {
            auto meta = (*store)->stat(path);
            ASSERT_TRUE(meta) << path << " reported committed, then lost";
            EXPECT_EQ(meta->etag, etag) << path;
        }
        // Whatever is there, reported or not, is whole.
        auto members = (*store)->list("/crash");
        ASSERT_TRUE(members);
        for (auto& m : *members) {
            auto body = get(**store, m.path);
            ASSERT_TRUE(body) << m.path;
            EXPECT_TRUE(*body == body_for(m.path, index_of(m.path))) << m.path << " is torn";
        }
        EXPECT_GE(members->size(), reported.size());

        // Nothing a killed writer was streaming is left behind (fs: hidden temporary files).
        std::size_t leftovers = 0;
        for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path()))
            leftovers += entry.path().filename().string().starts_with(".quire-tmp");
        EXPECT_EQ(leftovers, 0u) << "temporary files left after recovery";

        auto a = (*store)->list("/ma");
        auto b = (*store)->list("/mb");
        ASSERT_NE(a.has_value(), b.has_value()) << "the moved collection is at both or neither";
        auto& moved = a ? *a : *b;
        EXPECT_EQ(moved.size(), static_cast<std::size_t>(moved_members));
        auto props = (*store)->props(a ? "/ma" : "/mb");
        ASSERT_TRUE(props);
        ASSERT_EQ(props->size(), 1u) << "properties did not follow the move";
        EXPECT_EQ((*props)[0].value, moved_props[0].value);
    }
    EXPECT_GE(reported.size(), static_cast<std::size_t>(kills));
}

} // namespace
} // namespace quire::storage::testing
