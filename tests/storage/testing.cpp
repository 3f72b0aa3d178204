#include "testing.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <sys/wait.h>

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

Result<std::unique_ptr<Store>> FsBackend::open(const std::string& dir) {
    std::filesystem::create_directories(dir + "/fs");
    return fs::open(dir + "/fs");
}

Result<std::unique_ptr<Store>> SqliteBackend::open(const std::string& dir) {
    return sqlite::open(dir + "/store.db");
}

Result<std::unique_ptr<Store>> GitBackend::open(const std::string& dir) {
    return git::open(dir + "/repo.git", {});
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

} // namespace quire::storage::testing
