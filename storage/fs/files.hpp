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
    std::uint64_t size = 0;
    std::uint64_t inode = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t btime_ns = 0;
};

Result<FileInfo> file_info(int dir_fd, const std::string& path, int extra_flags = 0);
// Strong etag from size + mtime (ns) + inode: a file edited behind Quire's back gets a new one.
std::string etag_of(const FileInfo& info);
Meta meta_of(const std::string& path, const FileInfo& info);

Result<void> fsync_dir(const std::string& dir);

// A random hidden name for temporary files and trash entries (".quire-tmp-<pid>-<16 hex>").
std::string temp_name();

// Names of the members of a directory, Quire's reserved names left out.
Result<std::vector<std::string>> member_names(const std::string& dir);
// The same through an open directory: it follows the folder through a concurrent rename.
Result<std::vector<std::string>> member_names_at(int dir_fd);

// A path found by walk(), and whether it is a folder.
struct WalkedPath {
    std::string path;
    bool directory = false;
};

// Every non-reserved path below `path` (a collection), relative to the root, depth first.
Result<std::vector<WalkedPath>> walk(const std::string& root, const std::string& path);

// Copies a file or a tree (depth infinity) or only a directory (depth zero), fsyncing files.
Result<void> copy_tree(const std::string& from, const std::string& to, bool recursive);

} // namespace quire::storage::fs
