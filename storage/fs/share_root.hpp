// The fs store's paths, resolved from a descriptor of the share's root and never beyond it.
// WebDAV cannot make a symbolic link, but another program (or a local user who can write into
// the share's folder) can: a link that leads out of the share would otherwise let a GET read,
// and a PUT, MKCOL, DELETE or MOVE through a linked folder change, files outside it.
// openat2(RESOLVE_BENEATH) makes the kernel refuse such a resolution; links that stay inside
// are followed.
#pragma once

#include <memory>
#include <string>

#include "../fd.hpp"
#include "../store.hpp"
#include "files.hpp"
#include "folder_cache.hpp"

namespace quire::storage::fs {

class ShareRoot {
public:
    // confine = false follows every link, wherever it leads (the mount's follow_symlinks).
    // folders: where the descriptors of folders that writes go through are kept (or null).
    static Result<ShareRoot> open(const std::string& root, bool confine,
                                  std::unique_ptr<FolderCache> folders = nullptr);

    // Where a store path's last name lives: the folder's descriptor (the root's own for a
    // name at the top, else one opened for the call) and the name, for the *at calls.
    struct At {
        int dir = -1;
        std::string name;
        FolderCache::Fd owned; // the folder's descriptor when it is not the root's
    };
    // not_found when a folder on the way is missing, forbidden when a link leads out.
    // Check::later: a kept folder descriptor is used without the look (an fstat) at whether
    // another program removed its folder meanwhile; the caller asks removed() when a name it
    // looks for there is missing, or a name it makes there cannot be made (ENOENT).
    enum class Check { now, later };
    Result<At> at(const std::string& path, Check check = Check::now) const;
    // Both ends of a rename; one descriptor when they share a folder (a rename in place).
    Result<std::pair<At, At>> at_both(const std::string& from, const std::string& to,
                                      Check check = Check::now) const;
    // Whether `where`, at(path) with Check::later, is a kept folder that was removed; then
    // at() opens the one that may stand at its path now.
    bool removed(const At& where, const std::string& path) const;
    // Where `path`, a name in the same folder as what `of` was found for, lives.
    static At sibling(const At& of, const std::string& path);

    // open(2) of a store path with `flags`; an invalid descriptor with errno set otherwise
    // (EXDEV: a link on the way leads out of the share).
    UniqueFd open(const std::string& path, int flags) const;

    // What a store path names, links within the share followed: not existing when it is
    // missing (or a dangling link); forbidden when a link leads out.
    Result<FileInfo> info(const std::string& path) const;
    // The same, where `where` is at(path).
    Result<FileInfo> info_at(const At& where, const std::string& path) const;

    // A folder was moved, replaced or removed (called after it happened, under the
    // writer lock): kept folder descriptors may name other folders now.
    void folders_changed() const {
        if (folders_)
            folders_->changed();
    }

private:
    ShareRoot(UniqueFd fd, std::string real, bool confine, std::unique_ptr<FolderCache> folders)
        : fd_(std::move(fd)), real_(std::move(real)), confine_(confine),
          folders_(std::move(folders)) {}

    UniqueFd fd_;
    std::string real_; // the root's real path, to check where an absolute link arrived
    bool confine_ = true;
    std::unique_ptr<FolderCache> folders_;
};

// The error for a path whose resolution a link led out of the share.
Error leads_out(const std::string& path);
// What an open of `path` that failed with `err` means (EXDEV from ShareRoot::open: a link led
// out of the share).
Error open_error(int err, const std::string& path);

} // namespace quire::storage::fs
