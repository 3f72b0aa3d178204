#include "buffer_pool.hpp"

#include <cstring>

namespace quire::net {

void ReadBuffer::grow(std::size_t n, std::size_t used) {
    if (n <= capacity_) {
        return;
    }
    std::unique_ptr<char[]> bigger(new char[n]); // uninitialised on purpose: no zero-fill
    if (used > 0) {
        std::memcpy(bigger.get(), data_.get(), used);
    }
    data_ = std::move(bigger);
    capacity_ = n;
}

ReadBuffer BufferPool::take() {
    ReadBuffer b;
    if (!free_.empty()) {
        b.data_ = std::move(free_.back());
        free_.pop_back();
    } else {
        b.data_.reset(new char[ReadBuffer::standard_size]);
    }
    b.capacity_ = ReadBuffer::standard_size;
    return b;
}

void BufferPool::give(ReadBuffer& buffer) {
    if (buffer.capacity_ == ReadBuffer::standard_size && free_.size() < max_cached_) {
        free_.push_back(std::move(buffer.data_));
    }
    buffer.data_.reset();
    buffer.capacity_ = 0;
}

} // namespace quire::net
