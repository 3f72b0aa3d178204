// The fs backend's file helpers (storage/fs/files.hpp): the names of staged files.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/fs/files.hpp"

namespace quire::storage::fs {
namespace {

// ".quire-tmp-<pid>-<16 hex digits>": recover() and the crash tests know staged files by the
// prefix, and the pid keeps processes apart.
TEST(FsFiles, TempNamesCarryThePidAndSixtyFourRandomBits) {
    const std::regex form(R"(\.quire-tmp-(\d+)-([0-9a-f]{16}))");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string name = temp_name();
        std::smatch m;
        ASSERT_TRUE(std::regex_match(name, m, form)) << name;
        EXPECT_EQ(std::stol(m[1].str()), static_cast<long>(::getpid()));
        EXPECT_TRUE(seen.insert(name).second) << "repeated " << name;
    }
}

// A forked child inherits the generator's state: its names must still differ from the
// parent's next ones.
TEST(FsFiles, AForkedChildNamesApartFromItsParent) {
    (void)temp_name(); // this thread's generator and pid are made before the fork
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const std::string name = temp_name();
        const auto n = ::write(pipe_fds[1], name.data(), name.size());
        ::_exit(n == static_cast<ssize_t>(name.size()) ? 0 : 1);
    }
    ::close(pipe_fds[1]);
    const std::string mine = temp_name();
    char buf[64];
    const auto n = ::read(pipe_fds[0], buf, sizeof buf);
    ::close(pipe_fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_GT(n, 0);
    const std::string theirs(buf, static_cast<std::size_t>(n));
    EXPECT_NE(theirs, mine);
    std::string child_pid = "-";
    child_pid += std::to_string(child);
    child_pid += '-';
    EXPECT_NE(theirs.find(child_pid), std::string::npos) << theirs;
}

} // namespace
} // namespace quire::storage::fs
