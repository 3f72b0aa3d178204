// Per-worker free list of read buffers: a connection takes one when bytes arrive and gives it
// back when it goes idle, so idle connections hold no buffer and busy ones do not hit malloc
// (or zero-fill) for every request.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace quire::net {

class ReadBuffer {
public:
    static constexpr std::size_t standard_size = 8192;

    char* data() { return data_.get(); }
    const char* data() const { return data_.get(); }
    std::size_t capacity() const { return capacity_; }
    bool empty() const { return !data_; }
    // Grows to at least n bytes, keeping the first used bytes.
    void grow(std::size_t n, std::size_t used);

private:
    friend class BufferPool;
    std::unique_ptr<char[]> data_;
    std::size_t capacity_ = 0;
};

class BufferPool {
public:
    // A small cap: buffers of connections gone idle are not hoarded (idle memory stays low).
    explicit BufferPool(std::size_t max_cached = 128) : max_cached_(max_cached) {}
    ReadBuffer take();
    void give(ReadBuffer& buffer); // leaves buffer empty

private:
    std::vector<std::unique_ptr<char[]>> free_;
    std::size_t max_cached_;
};

} // namespace quire::net
