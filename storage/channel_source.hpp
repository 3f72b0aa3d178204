// A Source fed from another thread: the server's connection coroutine pushes the request body
// as it arrives while Store::put pulls it on the blocking pool. Bounded, so a fast client
// cannot make the server buffer a whole body.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "body.hpp"

namespace quire::storage {

class ChannelSource final : public Source {
public:
    explicit ChannelSource(std::size_t capacity_bytes = 1 << 20) : capacity_(capacity_bytes) {}

    // Producer side. push() blocks while the channel is full; returns false once the reader
    // has gone (the write failed or finished), so the producer can stop.
    bool push(std::string chunk);
    // The end of the body.
    void close();
    // The body cannot be completed (client went away): the write fails with this error and
    // leaves the old content.
    void abort(Error error);
    // Consumer side gives up (called by the destructor too).
    void detach();

    ~ChannelSource() override { detach(); }

    Result<std::size_t> read(std::span<std::byte> buf) override;

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> chunks_;
    std::size_t offset_ = 0; // consumed bytes of chunks_.front()
    std::size_t buffered_ = 0;
    std::size_t capacity_;
    bool closed_ = false;
    bool detached_ = false;
    std::optional<Error> error_;
};

} // namespace quire::storage
