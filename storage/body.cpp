#include "body.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace quire::storage {

Result<std::size_t> MemorySource::read(std::span<std::byte> buf) {
    std::size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
}

Result<std::size_t> FdSource::read(std::span<std::byte> buf) {
    for (;;) {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n >= 0)
            return static_cast<std::size_t>(n);
        if (errno != EINTR)
            return tl::unexpected(errno_error(errno, "read body source"));
    }
}

Result<std::size_t> FdBody::read(std::span<std::byte> buf) {
    std::uint64_t want = std::min<std::uint64_t>(buf.size(), length_ - pos_);
    if (want == 0)
        return 0;
    if (content_ && offset_ + pos_ + want <= content_->size()) {
        std::memcpy(buf.data(), content_->data() + offset_ + pos_, want);
        pos_ += want;
        return static_cast<std::size_t>(want);
    }
    for (;;) {
        ssize_t n = ::pread(fd_->get(), buf.data(), want, static_cast<off_t>(offset_ + pos_));
        if (n >= 0) {
            pos_ += static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
        if (errno != EINTR)
            return tl::unexpected(errno_error(errno, "read file"));
    }
}

Result<std::size_t> MemoryBody::read(std::span<std::byte> buf) {
    std::size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
}

Result<std::size_t> SharedMemoryBody::read(std::span<std::byte> buf) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), length_ - pos_));
    std::memcpy(buf.data(), data_->data() + offset_ + pos_, n);
    pos_ += n;
    return n;
}

std::pair<std::uint64_t, std::uint64_t> clip(const std::optional<ByteRange>& range,
                                             std::uint64_t size) {
    if (!range)
        return {0, size};
    std::uint64_t offset = std::min(range->offset, size);
    std::uint64_t length = size - offset;
    if (range->length)
        length = std::min(length, *range->length);
    return {offset, length};
}

Result<void> write_all(int fd, const void* data, std::size_t size) {
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tl::unexpected(errno_error(errno, "write"));
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

Result<std::string> read_all(Body& body) {
    std::string out;
    out.reserve(body.length());
    std::byte buf[65536];
    for (;;) {
        auto n = body.read(buf);
        if (!n)
            return tl::unexpected(n.error());
        if (*n == 0)
            return out;
        out.append(reinterpret_cast<const char*>(buf), *n);
    }
}

} // namespace quire::storage
