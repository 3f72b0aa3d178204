#include "channel_source.hpp"

#include <algorithm>
#include <cstring>

namespace quire::storage {

bool ChannelSource::push(std::string chunk) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return detached_ || buffered_ < capacity_; });
    if (detached_)
        return false;
    buffered_ += chunk.size();
    chunks_.push_back(std::move(chunk));
    changed_.notify_all();
    return true;
}

void ChannelSource::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
}

void ChannelSource::abort(Error error) {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
    closed_ = true;
    changed_.notify_all();
}

void ChannelSource::detach() {
    std::lock_guard lock(mutex_);
    detached_ = true;
    changed_.notify_all();
}

Result<std::size_t> ChannelSource::read(std::span<std::byte> buf) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !chunks_.empty() || closed_; });
    if (error_)
        return tl::unexpected(*error_);
    std::size_t done = 0;
    while (done < buf.size() && !chunks_.empty()) {
        const std::string& front = chunks_.front();
        std::size_t n = std::min(buf.size() - done, front.size() - offset_);
        std::memcpy(buf.data() + done, front.data() + offset_, n);
        done += n;
        offset_ += n;
        if (offset_ == front.size()) {
            buffered_ -= front.size();
            chunks_.pop_front();
            offset_ = 0;
        }
    }
    changed_.notify_all();
    return done; // 0 only when closed and drained
}

} // namespace quire::storage
