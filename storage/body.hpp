// Bodies in and out of a Store. A write pulls from a Source; a read returns a Body that exposes
// a file range (fd + offset + length) for sendfile where the backend has a real file, and
// otherwise a stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "error.hpp"
#include "fd.hpp"

namespace quire::storage {

// The producer of a body being written. read() fills up to buf.size() bytes and returns how
// many; 0 means the end of the body. An error aborts the write and leaves the old content.
class Source {
public:
    virtual ~Source() = default;
    virtual Result<std::size_t> read(std::span<std::byte> buf) = 0;
    // The whole body when it is already in memory and not read yet (a store may then place it
    // in one write); nullopt otherwise.
    virtual std::optional<std::string_view> in_memory() const { return std::nullopt; }
};

// A body held in memory (tests, small PROPPATCH-sized writes).
class MemorySource final : public Source {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    Result<std::size_t> read(std::span<std::byte> buf) override;
    std::optional<std::string_view> in_memory() const override {
        return pos_ == 0 ? std::optional<std::string_view>(data_) : std::nullopt;
    }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

// A body read from a file descriptor the caller owns (a spilled request body, a pipe).
class FdSource final : public Source {
public:
    explicit FdSource(int fd) : fd_(fd) {}
    Result<std::size_t> read(std::span<std::byte> buf) override;

private:
    int fd_;
};

// A byte range of a resource: offset and optional length (to the end when absent). Ranges past
// the end are clipped; the DAV layer decides 416 from stat() before it reads.
struct ByteRange {
    std::uint64_t offset = 0;
    std::optional<std::uint64_t> length;
};

// A region of an open file, for sendfile(2). The fd stays owned by the Body.
struct FileSpan {
    int fd;
    std::uint64_t offset;
    std::uint64_t length;
};

class Body {
public:
    virtual ~Body() = default;
    // Number of bytes this body yields (the range length, not the resource size).
    virtual std::uint64_t length() const = 0;
    // The file region to send when the backend keeps the body in a real file.
    virtual std::optional<FileSpan> file() const { return std::nullopt; }
    // The whole body, when the backend already holds its bytes in memory (a cached small
    // file): the caller may send these instead of reading.
    virtual std::shared_ptr<const std::string> memory() const { return nullptr; }
    // Streams the body; returns 0 at the end.
    virtual Result<std::size_t> read(std::span<std::byte> buf) = 0;
};

// A body read from a file; reads with pread so file() stays valid for the caller. The
// descriptor may be shared with a cache of open files, which may also hold the bytes.
class FdBody final : public Body {
public:
    FdBody(UniqueFd fd, std::uint64_t offset, std::uint64_t length)
        : fd_(std::make_shared<const UniqueFd>(std::move(fd))), offset_(offset), length_(length) {}
    // content: the whole file, or null.
    FdBody(std::shared_ptr<const UniqueFd> fd, std::shared_ptr<const std::string> content,
           std::uint64_t offset, std::uint64_t length)
        : fd_(std::move(fd)), content_(std::move(content)), offset_(offset), length_(length) {}
    std::uint64_t length() const override { return length_; }
    std::optional<FileSpan> file() const override { return FileSpan{fd_->get(), offset_, length_}; }
    std::shared_ptr<const std::string> memory() const override {
        return content_ && offset_ == 0 && length_ == content_->size() ? content_ : nullptr;
    }
    Result<std::size_t> read(std::span<std::byte> buf) override;

private:
    std::shared_ptr<const UniqueFd> fd_;
    std::shared_ptr<const std::string> content_;
    std::uint64_t offset_;
    std::uint64_t length_;
    std::uint64_t pos_ = 0;
};

// A body held in memory (git blobs: libgit2 inflates objects whole).
class MemoryBody final : public Body {
public:
    explicit MemoryBody(std::string data) : data_(std::move(data)) {}
    std::uint64_t length() const override { return data_.size(); }
    Result<std::size_t> read(std::span<std::byte> buf) override;

private:
    std::string data_;
    std::size_t pos_ = 0;
};

// A range of bytes shared with a cache (small documents of the sqlite and git stores).
class SharedMemoryBody final : public Body {
public:
    SharedMemoryBody(std::shared_ptr<const std::string> data, std::uint64_t offset,
                     std::uint64_t length)
        : data_(std::move(data)), offset_(offset), length_(length) {}
    std::uint64_t length() const override { return length_; }
    std::shared_ptr<const std::string> memory() const override {
        return offset_ == 0 && length_ == data_->size() ? data_ : nullptr;
    }
    Result<std::size_t> read(std::span<std::byte> buf) override;

private:
    std::shared_ptr<const std::string> data_;
    std::uint64_t offset_;
    std::uint64_t length_;
    std::uint64_t pos_ = 0;
};

// Clips a range to a resource of `size` bytes: returns {offset, length}.
std::pair<std::uint64_t, std::uint64_t> clip(const std::optional<ByteRange>& range,
                                             std::uint64_t size);

// Writes all bytes to fd (retrying short writes and EINTR).
Result<void> write_all(int fd, const void* data, std::size_t size);

// Reads a whole body into a string (tests, small bodies, sidecars).
Result<std::string> read_all(Body& body);

} // namespace quire::storage
