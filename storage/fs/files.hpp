// File-system helpers for the fs backend; every failure comes back as a typed Error.
#pragma once

#include <string>
#include <sys/stat.h>
#include <vector>

#include "../body.hpp"
#include "../store.hpp"

namespace quire::storage::fs {

// What stat() and list() need from one file, read with statx (birth time where the file
// system keeps it).
struct FileInfo {
    bool exists = false;
    bool directory = false;
    bool symlink = false; // only when asked with AT_SYMLINK_NOFOLLOW (exists is then false)
    std::uint64_t size = 0;
    std::uint64_t inode = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t btime_ns = 0;
};

Result<FileInfo> file_info(int dir_fd, const std::string& path, int extra_flags = 0);
// Strong etag from size + mtime (ns) + inode: a file edited behind Quire's back gets a new one.
std::string etag_of(const FileInfo& info);
Meta meta_of(const std::string& path, const FileInfo& info);

// A random hidden name for temporary files and trash entries (".quire-tmp-<pid>-<16 hex>").
std::string temp_name();

// Names of the members of an open directory, Quire's reserved names left out (through the
// descriptor, the listing follows the folder through a concurrent rename).
Result<std::vector<std::string>> member_names_at(int dir_fd);

// A path found by walk(), and whether it is a folder.
struct WalkedPath {
    std::string path;
    bool directory = false;
};

// Every non-reserved path below `path` (a collection), relative to the root, depth first.
Result<std::vector<WalkedPath>> walk(const std::string& root, const std::string& path);

} // namespace quire::storage::fs
