// Crash safety: a child process writes in a loop and is SIGKILLed at random points. Every write
// it reported as committed must survive with its etag; nothing may be half-written, also of
// a body written in pieces as it arrived (begin_put); the backend's own checker (PRAGMA
// integrity_check, git fsck) must pass.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <map>
#include <ostream>
#include <poll.h>
#include <random>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

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

Result<PutResult> put_in_pieces(Store& store, const std::string& path, const std::string& body,
                                const PutOptions& options = {}) {
    auto stream = store.begin_put(path);
    if (!stream)
        return tl::unexpected(stream.error());
    constexpr std::size_t piece = 64 * 1024;
    for (std::size_t at = 0; at < body.size(); at += piece) {
        const auto part = std::string_view(body).substr(at, piece);
        if (auto ok = (*stream)->write(std::as_bytes(std::span(part.data(), part.size()))); !ok)
            return tl::unexpected(ok.error());
    }
    return (*stream)->finish(options, "t");
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
        // The large bodies go in pieces through begin_put, as a long request body does.
        auto r = i % 5 == 0 ? put_in_pieces(**store, path, body_for(path, i))
                            : put(**store, path, body_for(path, i));
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

using Backends = ::testing::Types<FsBackend, FsQuickBackend, SqliteBackend, GitBackend>;
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

// Killing at a chosen point: a seccomp filter makes the kernel kill the process (SIGSYS) when
// it enters one of the given system calls, before the call does anything. The store runs its
// real code and needs no test hook; for the fs backend, the first link(2) or rename(2) of a
// PUT comes right after its metadata transaction committed.
#if defined(__x86_64__)
constexpr std::uint32_t audit_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t audit_arch = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t audit_arch = 0; // the tests below skip themselves
#endif
constexpr int no_seccomp_exit = 6;

enum class KillAt { nothing, link_or_rename, rename, fsync };

std::vector<long> syscalls_of(KillAt at) {
    if (at == KillAt::fsync)
        return {SYS_fsync, SYS_fdatasync};
    std::vector<long> out{SYS_renameat, SYS_renameat2};
#ifdef SYS_rename
    out.push_back(SYS_rename);
#endif
    if (at == KillAt::link_or_rename) {
        out.push_back(SYS_linkat);
#ifdef SYS_link
        out.push_back(SYS_link);
#endif
    }
    return out;
}

// In a child only: installs the filter or exits with no_seccomp_exit.
void die_at(KillAt at) {
    if (at == KillAt::nothing)
        return;
    std::vector<sock_filter> prog{
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
    };
    for (long nr : syscalls_of(at)) {
        prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(nr), 0, 1));
        prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    }
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0)
        ::_exit(no_seccomp_exit);
}

// How a child that was to die at `at` (or, for KillAt::nothing, to exit 0) ended.
enum class ChildEnd { as_meant, no_seccomp, otherwise };

ChildEnd wait_child(pid_t pid, KillAt at, int& status) {
    if (::waitpid(pid, &status, 0) != pid)
        return ChildEnd::otherwise;
    if (WIFEXITED(status) && WEXITSTATUS(status) == no_seccomp_exit)
        return ChildEnd::no_seccomp;
    const bool as_meant = at == KillAt::nothing ? WIFEXITED(status) && WEXITSTATUS(status) == 0
                                                : WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
    return as_meant ? ChildEnd::as_meant : ChildEnd::otherwise;
}

// A test that kills a child at a system call: skipped where no seccomp filter can be made.
template <class Param>
class KilledChildTest : public ::testing::TestWithParam<Param> {
protected:
    void SetUp() override {
        if (audit_arch == 0)
            GTEST_SKIP() << "no seccomp architecture constant for this machine";
    }
    // The fs store, durable or quick (puts and moves through the quick journal).
    static Result<std::unique_ptr<Store>> open(const std::string& dir, bool quick) {
        return quick ? FsQuickBackend::open(dir) : FsBackend::open(dir);
    }
    // Runs `work` (its result: the exit code) on the store in a child that dies at `at`,
    // after the open (recovery may rename); how the child ended, its wait status in `status`.
    template <class Work>
    static ChildEnd run_child(const std::string& dir, bool quick, KillAt at, Work work,
                              int& status) {
        const pid_t pid = ::fork();
        if (pid < 0)
            return ChildEnd::otherwise;
        if (pid == 0) {
            auto store = open(dir, quick);
            if (!store)
                ::_exit(2);
            die_at(at);
            // No destructor: a finished write leaves its journal row for the next open.
            ::_exit(work(**store));
        }
        return wait_child(pid, at, status);
    }
};

// Test parameters print as their names.
template <class Named>
requires requires(const Named& n) {
    n.name;
}
void PrintTo(const Named& n, std::ostream* os) {
    *os << n.name;
}

// One PUT killed (or not) at a chosen point; the old file, if any, was PUT with `old_type`.
struct PutCrash {
    const char* name;
    bool existing;
    const char* old_type;
    const char* new_type;
    KillAt kill_at;
    bool new_body_expected;    // else the old body (or, for a new name, nothing)
    bool quick = false;        // a non-durable store: the PUT goes through the quick journal
    bool now = false;          // through try_put_now (quick: the body renamed from .quire/tmp)
    bool if_match_old = false; // with If-Match: the old etag (the replacing rename comes first)
    bool stream = false;       // through begin_put, in pieces (a long request body)
};

class FsPutCrashTest : public KilledChildTest<PutCrash> {};

// A PUT's media type is committed with its journal entry, before the body is linked or
// renamed into place (durable), or applied only when its quick record is settled as done:
// after a crash in between, the type must follow the body that is there.
TEST_P(FsPutCrashTest, MediaTypeFollowsTheBodyInPlace) {
    const PutCrash& c = GetParam();
    TempDir dir;
    const std::string path = "/doc";
    std::string old_etag;
    const std::string old_body = "old body, which must survive whole";
    const std::string new_body(200'000, 'n');
    {
        auto store = open(dir.path(), c.quick);
        ASSERT_TRUE(store) << store.error().message;
        if (c.existing) {
            MemorySource source(old_body);
            auto put = (*store)->put(path, source, {.content_type = c.old_type}, "t");
            ASSERT_TRUE(put);
            old_etag = put->etag;
        }
    }
    int status = 0;
    const ChildEnd end = run_child(
        dir.path(), c.quick, c.kill_at,
        [&](Store& store) {
            PutOptions options{.content_type = c.new_type};
            if (c.if_match_old)
                options.precondition.if_match = old_etag;
            if (c.now) {
                auto put = store.try_put_now(path, new_body, options, "t");
                return !put ? 4 : *put ? 0 : 3;
            }
            if (c.stream)
                return put_in_pieces(store, path, new_body, options) ? 0 : 3;
            MemorySource source(new_body);
            return store.put(path, source, options, "t") ? 0 : 3;
        },
        status);
    if (end == ChildEnd::no_seccomp)
        GTEST_SKIP() << "seccomp filters are not allowed here";
    ASSERT_EQ(end, ChildEnd::as_meant)
        << "the PUT did not end at its link or rename as meant, status " << status;

    ASSERT_EQ(FsBackend::integrity(dir.path()), "");
    auto store = open(dir.path(), c.quick);
    ASSERT_TRUE(store) << store.error().message;
    auto meta = (*store)->stat(path);
    if (!c.existing && !c.new_body_expected) {
        ASSERT_FALSE(meta) << "a PUT killed before its link created " << path;
        // A file put there by hand later must not inherit the killed PUT's media type.
        std::ofstream(dir.path() + "/fs" + path) << "by hand";
        meta = (*store)->stat(path);
        ASSERT_TRUE(meta) << meta.error().message;
        EXPECT_EQ(meta->content_type, "application/octet-stream");
    } else {
        ASSERT_TRUE(meta) << meta.error().message;
        auto body = get(**store, path);
        ASSERT_TRUE(body) << body.error().message;
        EXPECT_TRUE(*body == (c.new_body_expected ? new_body : old_body))
            << "the body in place is neither the old one nor the new one whole";
        EXPECT_EQ(meta->content_type, c.new_body_expected ? c.new_type : c.old_type);
    }
    std::size_t leftovers = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path()))
        leftovers += entry.path().filename().string().starts_with(".quire-tmp");
    EXPECT_EQ(leftovers, 0u) << "temporary files left after recovery";
}

constexpr const char* octet_stream = "application/octet-stream";

const std::vector<PutCrash> put_crashes = {
    PutCrash{"ReplaceKilledAtLink", true, "text/plain", "application/json", KillAt::link_or_rename,
             false},
    PutCrash{"ReplaceKilledAtRename", true, "text/plain", "application/json", KillAt::rename,
             false},
    PutCrash{"ReplaceWithDefaultTypeKilled", true, "text/plain", octet_stream,
             KillAt::link_or_rename, false},
    PutCrash{"ReplaceUntypedKilled", true, octet_stream, "application/json", KillAt::link_or_rename,
             false},
    PutCrash{"CreateKilledAtLink", false, "", "application/json", KillAt::link_or_rename, false},
    PutCrash{"ReplaceFinishedRowLeft", true, "text/plain", "application/json", KillAt::nothing,
             true},
    PutCrash{"CreateFinishedRowLeft", false, "", "application/json", KillAt::nothing, true}};

std::vector<PutCrash> quick(std::vector<PutCrash> crashes) {
    for (auto& c : crashes)
        c.quick = true;
    return crashes;
}

// The quick PUT of a body in memory (try_put_now), renamed into place from .quire/tmp: killed
// at its rename without a name (RENAME_NOREPLACE), or at the rename over the old document when
// If-Match makes that the first one; or not killed, its record left to the next open.
const std::vector<PutCrash> put_now_crashes = {
    PutCrash{"NowCreateKilledAtRename", false, "", "application/json", KillAt::rename, false, true,
             true},
    PutCrash{"NowReplaceKilledAtFirstRename", true, "text/plain", "application/json",
             KillAt::rename, false, true, true},
    PutCrash{"NowReplaceKilledAtReplacingRename", true, "text/plain", "application/json",
             KillAt::rename, false, true, true, true},
    PutCrash{"NowCreateFinishedRowLeft", false, "", "application/json", KillAt::nothing, true, true,
             true},
    PutCrash{"NowReplaceFinishedRowLeft", true, "text/plain", "application/json", KillAt::nothing,
             true, true, true, true}};

// A body written in pieces as it arrived (begin_put: on fs, into an unnamed file beside the
// target), killed where it is linked or renamed into place, or not killed.
std::vector<PutCrash> streamed(std::vector<PutCrash> crashes) {
    std::vector<PutCrash> out;
    for (auto c : crashes) {
        if (c.kill_at != KillAt::rename) { // (a rename alone comes only after a link)
            c.stream = true;
            out.push_back(c);
        }
    }
    return out;
}

std::string crash_name(const ::testing::TestParamInfo<PutCrash>& info) {
    if (info.param.stream)
        return "Stream" + std::string(info.param.name);
    return std::string(info.param.name);
}

INSTANTIATE_TEST_SUITE_P(Kills, FsPutCrashTest, ::testing::ValuesIn(put_crashes), crash_name);
INSTANTIATE_TEST_SUITE_P(QuickKills, FsPutCrashTest, ::testing::ValuesIn(quick(put_crashes)),
                         crash_name);
INSTANTIATE_TEST_SUITE_P(StreamKills, FsPutCrashTest, ::testing::ValuesIn(streamed(put_crashes)),
                         crash_name);
INSTANTIATE_TEST_SUITE_P(QuickStreamKills, FsPutCrashTest,
                         ::testing::ValuesIn(streamed(quick(put_crashes))), crash_name);
INSTANTIATE_TEST_SUITE_P(QuickNowKills, FsPutCrashTest, ::testing::ValuesIn(put_now_crashes),
                         crash_name);

// A quick MOVE (non-durable store, a document to a free name) journals its record, then
// renames. Killed at the rename, the document stays where it was with its media type and
// properties, and nothing is logged; finished but never folded (the process left without its
// destructor), the next open moves the properties and logs the move.
class FsQuickMoveCrashTest : public KilledChildTest<bool> {};

TEST_P(FsQuickMoveCrashTest, PropertiesAndTheChangeLogFollowTheDocument) {
    const bool killed = GetParam();
    TempDir dir;
    std::string token;
    {
        auto store = FsQuickBackend::open(dir.path());
        ASSERT_TRUE(store) << store.error().message;
        MemorySource source("the document");
        ASSERT_TRUE((*store)->put("/a", source, {.content_type = "text/plain"}, "t"));
        const std::vector<PropOp> ops = {{{"urn:x", "p"}, "A"}};
        ASSERT_TRUE((*store)->patch_props("/a", ops, "t"));
        token = *(*store)->sync_token("/");
    }
    int status = 0;
    const ChildEnd end = run_child(
        dir.path(), true, killed ? KillAt::rename : KillAt::nothing,
        [](Store& store) { return store.move("/a", "/b", false, "t") ? 0 : 3; }, status);
    if (end == ChildEnd::no_seccomp)
        GTEST_SKIP() << "seccomp filters are not allowed here";
    ASSERT_EQ(end, ChildEnd::as_meant) << "status " << status;

    auto store = FsQuickBackend::open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    const std::string here = killed ? "/a" : "/b";
    const std::string gone = killed ? "/b" : "/a";
    auto meta = (*store)->stat(here);
    ASSERT_TRUE(meta) << here << ": " << meta.error().message;
    EXPECT_EQ(meta->content_type, "text/plain");
    auto props = (*store)->props(here);
    ASSERT_TRUE(props);
    ASSERT_EQ(props->size(), 1u) << "the properties did not stay with the document";
    EXPECT_EQ((*props)[0].value, "A");
    EXPECT_EQ((*store)->stat(gone).error().code, Errc::not_found);
    auto changes = (*store)->changes_since("/", token);
    ASSERT_TRUE(changes);
    EXPECT_EQ(changes->changes.size(), killed ? 0u : 2u);
    EXPECT_EQ(FsBackend::integrity(dir.path()), "");
}

INSTANTIATE_TEST_SUITE_P(Kills, FsQuickMoveCrashTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                             return std::string(info.param ? "KilledAtRename"
                                                           : "FinishedRecordLeft");
                         });

// A COPY builds its tree under a hidden name, records its intent, then renames the tree into
// place. Killed while it copies (at the first file's fsync, before the intent), the next open
// leaves no trace of it: no destination and no hidden half-copied tree anywhere. Killed at the
// rename (the intent recorded), the next open finishes the copy; over an existing destination
// the first rename moves that to the trash, so killed there the destination stays as it was.
struct CopyCrash {
    const char* name;
    KillAt kill_at;
    bool quick;
    bool over_existing;
};

class FsCopyCrashTest : public KilledChildTest<CopyCrash> {};

TEST_P(FsCopyCrashTest, LeavesTheDestinationWholeOrUntouchedAndNothingHidden) {
    const CopyCrash& c = GetParam();
    TempDir dir;
    const std::vector<std::string> members = {"/c/a", "/c/b", "/c/sub/d"};
    {
        auto store = open(dir.path(), c.quick);
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE((*store)->mkcol("/c", "t"));
        ASSERT_TRUE((*store)->mkcol("/c/sub", "t"));
        for (const auto& m : members)
            ASSERT_TRUE(put(**store, m, "body of " + m));
        if (c.over_existing) {
            ASSERT_TRUE((*store)->mkcol("/d", "t"));
            ASSERT_TRUE(put(**store, "/d/old", "the old destination"));
        }
    }
    int status = 0;
    const ChildEnd end = run_child(
        dir.path(), c.quick, c.kill_at,
        [](Store& store) { return store.copy("/c", "/d", Depth::infinity, true, "t") ? 0 : 3; },
        status);
    if (end == ChildEnd::no_seccomp)
        GTEST_SKIP() << "seccomp filters are not allowed here";
    ASSERT_EQ(end, ChildEnd::as_meant)
        << "the COPY was not killed where the test meant, status " << status;

    auto store = open(dir.path(), c.quick);
    ASSERT_TRUE(store) << store.error().message;
    const bool finished = c.kill_at == KillAt::rename && !c.over_existing;
    for (const auto& m : members) {
        auto source = get(**store, m);
        ASSERT_TRUE(source) << m << ": " << source.error().message;
        EXPECT_EQ(*source, "body of " + m);
        const std::string copy = "/d" + m.substr(2);
        auto copied = get(**store, copy);
        EXPECT_EQ(copied.has_value(), finished) << copy;
        if (copied) {
            EXPECT_EQ(*copied, "body of " + m);
        }
    }
    if (c.over_existing) {
        auto old = get(**store, "/d/old");
        ASSERT_TRUE(old) << "the destination a killed COPY was to replace is gone";
        EXPECT_EQ(*old, "the old destination");
    } else if (!finished) {
        EXPECT_EQ((*store)->stat("/d").error().code, Errc::not_found);
    }
    std::vector<std::string> leftovers;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path()))
        if (entry.path().filename().string().starts_with(".quire-tmp"))
            leftovers.push_back(entry.path().string());
    EXPECT_TRUE(leftovers.empty()) << "a hidden copy left after recovery: " << leftovers.front();
    EXPECT_EQ(FsBackend::integrity(dir.path()), "");
}

const std::vector<CopyCrash> copy_crashes = {
    {"KilledWhileCopying", KillAt::fsync, false, false},
    {"QuickKilledWhileCopying", KillAt::fsync, true, false},
    {"KilledWhileCopyingOverADestination", KillAt::fsync, false, true},
    {"KilledAtTheRename", KillAt::rename, false, false},
    {"QuickKilledAtTheRename", KillAt::rename, true, false},
    {"KilledAtTheFirstRenameOverADestination", KillAt::rename, false, true}};

INSTANTIATE_TEST_SUITE_P(Kills, FsCopyCrashTest, ::testing::ValuesIn(copy_crashes),
                         [](const ::testing::TestParamInfo<CopyCrash>& info) {
                             return std::string(info.param.name);
                         });

} // namespace
} // namespace quire::storage::testing
