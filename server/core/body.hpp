// The response body: a chain of buckets (memory, file range, pull stream), as in x0 and h2o.
#pragma once

#include "unique_fd.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <asio/awaitable.hpp>

namespace quire::core {

// A byte range of an open file; sent with sendfile(2) on plain TCP, read otherwise.
struct FileBucket {
    std::shared_ptr<const UniqueFd> fd;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct MemoryBucket {
    std::string data;
};

// Bytes shared with a cache (e.g. a small file kept in memory): sent without a copy.
struct SharedBucket {
    std::shared_ptr<const std::string> data;
    std::size_t offset = 0;
    std::size_t length = 0;
    std::string_view view() const { return std::string_view(*data).substr(offset, length); }
};

// A generator the connection pulls from while writing: each call yields the next piece, an
// empty optional at the end, or an error message (the connection is then aborted, since the
// status line has already gone out).
struct StreamResult {
    std::optional<std::string> piece;
    std::string error; // non-empty on failure
};
using StreamPull = std::function<asio::awaitable<StreamResult>()>;
// A stream that can start anywhere: a pull for the bytes [first, first + length).
using StreamFrom = std::function<StreamPull(std::uint64_t first, std::uint64_t length)>;
struct StreamBucket {
    StreamPull pull;
    // Known: the head declares it (Content-Length, no chunked framing) and the stream must
    // yield exactly that many bytes, or the connection is closed.
    std::optional<std::uint64_t> length;
    // Set (with length): the body is seekable, so ranges apply; slice() pulls from here.
    StreamFrom from;
};

using Bucket = std::variant<MemoryBucket, SharedBucket, FileBucket, StreamBucket>;

class Body {
public:
    void append(std::string data) { buckets_.emplace_back(MemoryBucket{std::move(data)}); }
    void append_file(std::shared_ptr<const UniqueFd> fd, std::uint64_t offset,
                     std::uint64_t length) {
        buckets_.emplace_back(FileBucket{std::move(fd), offset, length});
    }
    void append_shared(std::shared_ptr<const std::string> data) {
        const std::size_t n = data->size();
        buckets_.emplace_back(SharedBucket{std::move(data), 0, n});
    }
    void append_stream(StreamPull pull) { buckets_.emplace_back(StreamBucket{std::move(pull)}); }
    // A stream of `length` bytes that can also start anywhere (see StreamBucket).
    void append_stream(StreamPull pull, std::uint64_t length, StreamFrom from) {
        buckets_.emplace_back(StreamBucket{std::move(pull), length, std::move(from)});
    }
    void clear() { buckets_.clear(); }

    bool empty() const { return buckets_.empty(); }
    // The total length, or nullopt when a stream bucket makes it unknown (then chunked).
    std::optional<std::uint64_t> known_length() const;
    // True when every bucket can be re-read at any offset (memory and files): ranges apply.
    bool seekable() const;
    // The sub-range [first, first+length) of a seekable body, as a new body.
    Body slice(std::uint64_t first, std::uint64_t length) const;

    std::vector<Bucket>& buckets() { return buckets_; }
    const std::vector<Bucket>& buckets() const { return buckets_; }

private:
    std::vector<Bucket> buckets_;
};

} // namespace quire::core
