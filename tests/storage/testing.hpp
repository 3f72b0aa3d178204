// Test helpers: temporary folders, one factory per backend for the typed suites.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "storage/store.hpp"

namespace quire::storage::testing {

// A fresh mkdtemp folder, removed with everything in it at destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Mounts a size-limited tmpfs (4 MiB) at DIR/disk for its lifetime (tests run as root in CI;
// elsewhere mounted() is false and the test skips, saying why).
class SmallDisk {
public:
    explicit SmallDisk(const std::string& dir);
    ~SmallDisk();
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; }
    const std::string& path() const { return dir_; }

private:
    std::string dir_;
    bool mounted_ = false;
    std::string error_;
};

// Skips the running test when disk could not be mounted, saying why.
#define QUIRE_SKIP_UNLESS_MOUNTED(disk)                                                            \
    do {                                                                                           \
        if (!(disk).mounted())                                                                     \
            GTEST_SKIP() << "cannot mount a 4 MiB tmpfs here (" << (disk).error()                  \
                         << "); the full-disk test needs root or CAP_SYS_ADMIN";                   \
    } while (false)

// Writes `file` until its file system is full.
void fill(const std::string& file);

// Each backend kind knows how to open (or reopen) a store kept under a folder.
// integrity() runs the backend's own checker over what is on disk (PRAGMA integrity_check,
// git fsck) and returns its complaint, or "" when it is clean.
struct FsBackend {
    static constexpr const char* name = "fs";
    static Result<std::unique_ptr<Store>> open(const std::string& dir);
    static std::string integrity(const std::string& dir);
};
// The fs backend as a mount with `durable = false` uses it: puts and moves go through its
// quick journal (storage/fs/journal.hpp).
struct FsQuickBackend {
    static constexpr const char* name = "fs_quick";
    static Result<std::unique_ptr<Store>> open(const std::string& dir);
    static std::string integrity(const std::string& dir);
};
struct SqliteBackend {
    static constexpr const char* name = "sqlite";
    static Result<std::unique_ptr<Store>> open(const std::string& dir);
    static std::string integrity(const std::string& dir);
};
struct GitBackend {
    static constexpr const char* name = "git";
    static Result<std::unique_ptr<Store>> open(const std::string& dir);
    static std::string integrity(const std::string& dir);
};

struct BackendNames {
    template <class T>
    static std::string GetName(int) {
        return T::name;
    }
};

// Runs a shell command, returns its exit status (tests use the git and sqlite3 CLIs).
int run(const std::string& command);
// Runs a shell command and returns its standard output and exit status.
std::pair<std::string, int> capture(const std::string& command);
// Quotes a string for the shell.
std::string quote(std::string_view s);

Result<std::string> get(Store& store, std::string_view path);
// A path's dead properties as "name=value;" in the store's order, or "error: ...".
std::string dead_prop(Store& store, const std::string& path);
Result<PutResult> put(Store& store, std::string_view path, std::string_view body,
                      Precondition pre = {});

// The writer lock of the fs store at `root` (storage/fs/folder_lock.hpp), held by a child
// process: what another Quire on the same folder does while it writes.
class WriterLockHolder {
public:
    // Returns once the child holds the lock (holding() is false when it could not).
    explicit WriterLockHolder(const std::string& root);
    ~WriterLockHolder();
    WriterLockHolder(const WriterLockHolder&) = delete;
    WriterLockHolder& operator=(const WriterLockHolder&) = delete;

    bool holding() const { return holding_; }
    // Lets the child unlock and exit. Once; another call (from any thread) does nothing.
    void release();
    // Kills the child while it holds the lock: a writer that dies mid-write.
    void kill();

private:
    void finish(bool killing);

    int pid_ = -1;
    bool holding_ = false;
    std::atomic<int> go_fd_{-1}; // closing it lets the child go
};

// Runs `body` in a forked child that is killed after `seconds` (a hang watchdog, not a time
// limit): its exit status, or 128 + the signal that ended it.
int run_in_child(const std::function<int()>& body, unsigned seconds = 20);

} // namespace quire::storage::testing
