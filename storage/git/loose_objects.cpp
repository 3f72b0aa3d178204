#include "loose_objects.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "../fd.hpp"

namespace quire::storage::git {

namespace {

constexpr std::size_t whole_max = 1u << 20; // ids remembered before the set starts over

enum class Inflated { whole, cut_short, unreadable };

// Inflates the zlib stream in `fd` to nowhere: whole when it reaches its end.
Inflated inflate_file(int fd) {
    z_stream z{};
    if (::inflateInit(&z) != Z_OK)
        return Inflated::unreadable;
    unsigned char in[64 * 1024];
    unsigned char out[64 * 1024];
    Inflated result = Inflated::cut_short;
    for (bool done = false; !done;) {
        const ssize_t n = ::read(fd, in, sizeof in);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            result = Inflated::unreadable;
            break;
        }
        if (n == 0)
            break; // the file ended before the stream did
        z.next_in = in;
        z.avail_in = static_cast<uInt>(n);
        // zlib's own pattern: inflate until it leaves room in the output (all input used).
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            const int rc = ::inflate(&z, Z_NO_FLUSH);
            if (rc == Z_STREAM_END || rc == Z_NEED_DICT || rc == Z_DATA_ERROR ||
                rc == Z_MEM_ERROR) {
                // Whole, or no zlib stream at all, which libgit2 refuses itself.
                result = Inflated::whole;
                done = true;
                break;
            }
        } while (z.avail_out == 0);
    }
    ::inflateEnd(&z);
    return result;
}

} // namespace

Result<void> LooseObjects::check(const git_oid& id) {
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, &id);
    const std::string key(hex);
    {
        std::lock_guard lock(mutex_);
        if (whole_.contains(key))
            return {};
    }
    const std::string file = dir_ + "/" + key.substr(0, 2) + "/" + key.substr(2);
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            return {}; // packed, or absent: libgit2 says which
        return tl::unexpected(errno_error(errno, "open object " + file));
    }
    switch (inflate_file(fd.get())) {
    case Inflated::cut_short:
        return fail(Errc::io, "damaged git object " + key + " (" + file +
                                  "): its compressed data ends early; restore it from a copy "
                                  "of the repository (git fsck lists every damaged object)");
    case Inflated::unreadable:
        return tl::unexpected(errno_error(errno, "read object " + file));
    case Inflated::whole:
        break;
    }
    std::lock_guard lock(mutex_);
    if (whole_.size() >= whole_max)
        whole_.clear();
    whole_.insert(key);
    return {};
}

} // namespace quire::storage::git
