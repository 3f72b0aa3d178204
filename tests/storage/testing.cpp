#include "testing.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/fs/folder_lock.hpp"
#include "storage/fs/fs_store.hpp"
#include "storage/git/git_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace quire::storage::testing {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "quire-storage-XXXXXX");
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

SmallDisk::SmallDisk(const std::string& dir) : dir_(dir + "/disk") {
    ::mkdir(dir_.c_str(), 0700);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=4m") == 0)
        mounted_ = true;
    else
        error_ = std::strerror(errno);
}

SmallDisk::~SmallDisk() {
    if (mounted_)
        ::umount2(dir_.c_str(), MNT_DETACH);
}

void fill(const std::string& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    const std::string block(64 * 1024, 'f');
    std::size_t chunk = block.size();
    while (chunk > 0) { // smaller and smaller writes take the last bytes too
        if (::write(fd, block.data(), chunk) < 0)
            chunk /= 2;
    }
    ::close(fd);
}

Result<std::unique_ptr<Store>> FsBackend::open(const std::string& dir) {
    std::filesystem::create_directories(dir + "/fs");
    return fs::open(dir + "/fs");
}

Result<std::unique_ptr<Store>> FsQuickBackend::open(const std::string& dir) {
    std::filesystem::create_directories(dir + "/fs");
    return fs::open(dir + "/fs", {.durable = false});
}

Result<std::unique_ptr<Store>> SqliteBackend::open(const std::string& dir) {
    return sqlite::open(dir + "/store.db");
}

Result<std::unique_ptr<Store>> GitBackend::open(const std::string& dir) {
    return git::open(dir + "/repo.git", {});
}

namespace {

std::string sqlite_integrity(const std::string& file) {
    auto [out, status] = capture("sqlite3 " + quote(file) + " 'PRAGMA integrity_check'");
    if (status != 0 || out != "ok\n")
        return "integrity_check of " + file + ": " + out;
    return "";
}

} // namespace

std::string FsBackend::integrity(const std::string& dir) {
    return sqlite_integrity(dir + "/fs/.quire/meta.db");
}

std::string FsQuickBackend::integrity(const std::string& dir) {
    return FsBackend::integrity(dir);
}

std::string SqliteBackend::integrity(const std::string& dir) {
    return sqlite_integrity(dir + "/store.db");
}

std::string GitBackend::integrity(const std::string& dir) {
    auto [out, status] = capture("git -C " + quote(dir + "/repo.git") + " fsck --full 2>&1");
    if (status != 0 || out.find("error") != std::string::npos)
        return "git fsck: " + out;
    return "";
}

std::pair<std::string, int> capture(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe)
        return {"popen failed", -1};
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
        out.append(buf, n);
    int status = ::pclose(pipe);
    return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

std::string quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

int run(const std::string& command) {
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Result<std::string> get(Store& store, std::string_view path) {
    auto body = store.open_read(path);
    if (!body)
        return tl::unexpected(body.error());
    return read_all(**body);
}

Result<PutResult> put(Store& store, std::string_view path, std::string_view body,
                      Precondition pre) {
    MemorySource source(body);
    PutOptions options;
    options.precondition = std::move(pre);
    options.content_type = "text/plain";
    return store.put(path, source, options, "tester");
}

std::string dead_prop(Store& store, const std::string& path) {
    auto props = store.props(path);
    if (!props)
        return "error: " + props.error().message;
    std::string out;
    for (auto& p : *props)
        out += p.name.name + "=" + p.value + ";";
    return out;
}

WriterLockHolder::WriterLockHolder(const std::string& root) {
    int ready[2];
    int go[2];
    if (::pipe2(ready, O_CLOEXEC) != 0)
        return;
    if (::pipe2(go, O_CLOEXEC) != 0) {
        ::close(ready[0]);
        ::close(ready[1]);
        return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        ::close(ready[0]);
        ::close(go[1]);
        auto lock = fs::FolderLock::open(root + "/.quire/lock");
        if (!lock)
            ::_exit(2);
        lock->lock();
        if (::write(ready[1], "x", 1) != 1)
            ::_exit(3);
        char c;
        (void)::read(go[0], &c, 1); // returns when the parent closes its end
        lock->unlock();
        ::_exit(0);
    }
    ::close(ready[1]);
    ::close(go[0]);
    if (pid_ < 0) {
        ::close(ready[0]);
        ::close(go[1]);
        return;
    }
    go_fd_ = go[1];
    char c;
    holding_ = ::read(ready[0], &c, 1) == 1;
    ::close(ready[0]);
}

WriterLockHolder::~WriterLockHolder() {
    release();
}

void WriterLockHolder::release() {
    finish(false);
}

void WriterLockHolder::kill() {
    finish(true);
}

void WriterLockHolder::finish(bool killing) {
    const int fd = go_fd_.exchange(-1);
    if (fd < 0)
        return;
    if (killing)
        ::kill(pid_, SIGKILL);
    ::close(fd);
    int status = 0;
    ::waitpid(pid_, &status, 0);
}

int run_in_child(const std::function<int()>& body, unsigned seconds) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::alarm(seconds);
        ::_exit(body());
    }
    if (pid < 0)
        return -1;
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace quire::storage::testing
