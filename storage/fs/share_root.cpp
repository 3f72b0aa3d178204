#include "share_root.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

#include "../path.hpp"
#include "beneath.hpp"

namespace quire::storage::fs {

namespace {

// A store path ("/a/b") relative to the root ("a/b"); the root itself is ".".
const char* relative_of(const std::string& path) {
    return is_root(path) ? "." : path.c_str() + 1;
}

} // namespace

Error leads_out(const std::string& path) {
    return Error{Errc::forbidden, path + ": a symbolic link on the way leads out of the share"};
}

Error open_error(int err, const std::string& path) {
    return err == EXDEV ? leads_out(path) : errno_error(err, "open " + path);
}

Result<ShareRoot> ShareRoot::open(const std::string& root, bool confine,
                                  std::unique_ptr<FolderCache> folders) {
    UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return tl::unexpected(errno_error(errno, "open " + root));
    char real[PATH_MAX];
    if (!::realpath(root.c_str(), real))
        return tl::unexpected(errno_error(errno, "resolve " + root));
    return ShareRoot(std::move(fd), real, confine, std::move(folders));
}

UniqueFd ShareRoot::open(const std::string& path, int flags) const {
    return UniqueFd(open_beneath(fd_.get(), relative_of(path), flags, confine_, real_));
}

Result<ShareRoot::At> ShareRoot::at(const std::string& path, Check check) const {
    const std::string parent = parent_of(path);
    At out;
    out.name = is_root(path) ? "." : std::string(name_of(path));
    if (is_root(parent)) {
        out.dir = fd_.get();
        return out;
    }
    if (folders_)
        if (auto kept = folders_->find(parent, check == Check::now)) {
            out.dir = kept->get();
            out.owned = std::move(kept);
            return out;
        }
    const std::uint64_t generation = folders_ ? folders_->generation() : 0;
    UniqueFd fd = open(parent, O_PATH | O_DIRECTORY);
    if (!fd)
        return tl::unexpected(open_error(errno, parent));
    out.dir = fd.get();
    out.owned = std::make_shared<const UniqueFd>(std::move(fd));
    if (folders_)
        folders_->keep(parent, out.owned, generation);
    return out;
}

Result<std::pair<ShareRoot::At, ShareRoot::At>>
ShareRoot::at_both(const std::string& from, const std::string& to, Check check) const {
    auto first = at(from, check);
    if (!first)
        return tl::unexpected(first.error());
    if (parent_of(from) != parent_of(to)) {
        auto second = at(to, check);
        if (!second)
            return tl::unexpected(second.error());
        return std::pair<At, At>(std::move(*first), std::move(*second));
    }
    At second = sibling(*first, to);
    return std::pair<At, At>(std::move(*first), std::move(second));
}

bool ShareRoot::removed(const At& where, const std::string& path) const {
    return folders_ && where.owned && folders_->removed(parent_of(path), where.owned);
}

ShareRoot::At ShareRoot::sibling(const At& of, const std::string& path) {
    At out;
    out.dir = of.dir;
    out.owned = of.owned;
    out.name = is_root(path) ? "." : std::string(name_of(path));
    return out;
}

Result<FileInfo> ShareRoot::info(const std::string& path) const {
    auto where = at(path); // the root's own for "/", which info_at answers
    if (!where) {
        const Errc code = where.error().code;
        if (code == Errc::not_found || code == Errc::not_a_collection)
            return FileInfo{};
        return tl::unexpected(where.error());
    }
    return info_at(*where, path);
}

Result<FileInfo> ShareRoot::info_at(const At& where, const std::string& path) const {
    if (is_root(path))
        return file_info(fd_.get(), "", AT_EMPTY_PATH);
    auto entry = file_info(where.dir, where.name, AT_SYMLINK_NOFOLLOW);
    if (!entry || !entry->symlink)
        return entry;
    // A link: followed from the root, so that the kernel sees the whole way.
    UniqueFd target = open(path, O_PATH);
    if (!target) {
        if (errno == ENOENT || errno == ENOTDIR)
            return FileInfo{}; // dangling
        return tl::unexpected(open_error(errno, path));
    }
    return file_info(target.get(), "", AT_EMPTY_PATH);
}

} // namespace quire::storage::fs
