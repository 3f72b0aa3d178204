// open_beneath(): what the kernel's openat2(RESOLVE_BENEATH) refuses and what the check on the
// descriptor must refuse or let through, with openat2 and, in a child where a seccomp filter
// makes it fail with ENOSYS (as on a kernel before 5.6), without it.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "storage/fd.hpp"
#include "storage/fs/beneath.hpp"
#include "testing.hpp"

namespace quire::storage::testing {
namespace {

namespace stdfs = std::filesystem;

#if defined(__x86_64__)
constexpr std::uint32_t audit_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t audit_arch = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t audit_arch = 0;
#endif

struct Case {
    const char* relative;
    int refused; // 0: it opens; else the errno it is refused with
};

// Under root/: a file, a folder, links inside (relative and absolute) and out of it, and links
// into the metadata folder .quire (which callers refuse by name; a link must not reach it).
class FsBeneathTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = stdfs::canonical(dir_.path()).string() + "/root";
        const std::string outside = stdfs::canonical(dir_.path()).string() + "/outside";
        stdfs::create_directories(root_ + "/sub");
        stdfs::create_directories(outside);
        std::ofstream(root_ + "/sub/doc") << "inside";
        std::ofstream(outside + "/secret") << "secret";
        stdfs::create_symlink("sub/doc", root_ + "/in-rel");
        stdfs::create_symlink(root_ + "/sub/doc", root_ + "/in-abs");
        stdfs::create_symlink("../outside/secret", root_ + "/out-rel");
        stdfs::create_symlink(outside + "/secret", root_ + "/out-abs");
        stdfs::create_symlink(outside, root_ + "/out-dir");
        stdfs::create_symlink("..", root_ + "/sub/up");
        stdfs::create_directories(root_ + "/.quire");
        std::ofstream(root_ + "/.quire/meta.db") << "metadata";
        stdfs::create_symlink(".quire", root_ + "/meta-dir");
        stdfs::create_symlink(".quire/meta.db", root_ + "/meta-file");
        stdfs::create_symlink(root_ + "/.quire/meta.db", root_ + "/meta-abs");
        stdfs::create_symlink("../.quire", root_ + "/sub/meta-up");
    }

    // The cases that fail, as text ("" when all hold). A way that leaves the root and comes
    // back to a file inside it is let through: what counts is where the descriptor points.
    std::string failures() const {
        const std::vector<Case> cases = {{"sub/doc", 0},
                                         {"in-rel", 0},
                                         {"in-abs", 0},
                                         {"sub/up/sub/doc", 0},
                                         {"out-rel", EXDEV},
                                         {"out-abs", EXDEV},
                                         {"out-dir/secret", EXDEV},
                                         {"../outside/secret", EXDEV},
                                         {"sub/../../root/sub/doc", 0},
                                         {"sub/up/../outside/secret", EXDEV},
                                         {".quire/meta.db", 0}, // by name: the store's own way
                                         {"meta-dir", ENOENT},
                                         {"meta-dir/meta.db", ENOENT},
                                         {"meta-file", ENOENT},
                                         {"meta-abs", ENOENT},
                                         {"sub/meta-up/meta.db", ENOENT},
                                         {"sub/up/meta-file", ENOENT}};
        UniqueFd root(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        std::string out;
        for (const auto& c : cases) {
            const int fd = fs::open_beneath(root.get(), c.relative, O_RDONLY, true, root_);
            const int err = errno;
            if (fd >= 0)
                ::close(fd);
            if (c.refused == 0 && fd < 0)
                out +=
                    std::string(c.relative) + " was refused (errno " + std::to_string(err) + "); ";
            if (c.refused != 0 && (fd >= 0 || err != c.refused))
                out += std::string(c.relative) +
                       (fd >= 0 ? " was opened" : " failed with errno " + std::to_string(err)) +
                       "; ";
        }
        // Unconfined: links lead anywhere, but not into the metadata folder.
        const int fd = fs::open_beneath(root.get(), "out-abs", O_RDONLY, false, root_);
        if (fd < 0)
            out += "out-abs was refused with confine = false; ";
        else
            ::close(fd);
        const int meta = fs::open_beneath(root.get(), "meta-abs", O_RDONLY, false, root_);
        if (meta >= 0) {
            out += "meta-abs was opened with confine = false; ";
            ::close(meta);
        }
        return out;
    }

    TempDir dir_;
    std::string root_;
};

TEST_F(FsBeneathTest, OpensWhatStaysInsideAndRefusesWhatLeadsOutOrIntoTheMetadataFolder) {
    EXPECT_EQ(failures(), "");
}

TEST_F(FsBeneathTest, WithoutOpenat2TheDescriptorIsChecked) {
    if (audit_arch == 0)
        GTEST_SKIP() << "no seccomp architecture constant for this machine";
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(out[0]);
        // openat2 fails with ENOSYS, as on a kernel that does not have it.
        sock_filter prog[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        sock_fprog fprog{static_cast<unsigned short>(std::size(prog)), prog};
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0)
            ::_exit(6);
        const std::string text = failures();
        const ssize_t written = ::write(out[1], text.data(), text.size());
        ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 7);
    }
    ::close(out[1]);
    std::string text;
    char buf[512];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 6)
        GTEST_SKIP() << "seccomp filters are not allowed here";
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_EQ(text, "");
}

} // namespace
} // namespace quire::storage::testing
