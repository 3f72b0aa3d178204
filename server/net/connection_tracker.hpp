// Per-worker bookkeeping of live connections: deadlines (one coarse timer per worker instead
// of one per connection, which keeps idle connections small), the connection cap, and
// graceful shutdown.
#pragma once

#include <chrono>
#include <cstddef>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

namespace quire::net {

using Clock = std::chrono::steady_clock;

class ConnectionTracker;

class TrackedConnection {
public:
    virtual ~TrackedConnection() = default;
    // Called when the deadline has passed, or on a forced stop: close the socket so that the
    // pending operation fails.
    virtual void abort() = 0;
    // Called on a connection idle in its coroutine for a while: give up the coroutine frame
    // and wait parked (see Connection::park).
    virtual void request_park() {}

    Clock::time_point deadline = Clock::time_point::max();
    bool idle = false;   // waiting for the next request on a persistent connection
    bool parked = false; // idle without a coroutine
    unsigned idle_sweeps = 0;

private:
    friend class ConnectionTracker;
    TrackedConnection* prev_ = nullptr;
    TrackedConnection* next_ = nullptr;
};

class ConnectionTracker {
public:
    explicit ConnectionTracker(const asio::any_io_executor& executor);

    void add(TrackedConnection& c);
    void remove(TrackedConnection& c);
    std::size_t size() const { return size_; }

    // Coarse current time (updated by the sweep), for cheap deadline arithmetic.
    Clock::time_point now() const { return now_; }
    void set_deadline(TrackedConnection& c, std::chrono::seconds after) {
        c.deadline = Clock::now() + after;
    }

    // Idle connections waiting inside their coroutine (cheap to resume, ~1 KiB each). Past a
    // bound, idle connections park at once, so thousands of idle clients cost little memory.
    static constexpr std::size_t max_waiting_in_coroutine = 1024;
    bool may_wait_in_coroutine() const { return waiting_ < max_waiting_in_coroutine; }
    void begin_wait() { ++waiting_; }
    void end_wait() { --waiting_; }
    // Of those, the ones waiting with a read buffer (8 KiB each), at most this many.
    static constexpr std::size_t max_reading_in_coroutine = 256;
    bool may_read_in_coroutine() const { return reading_ < max_reading_in_coroutine; }
    void begin_read() { ++reading_; }
    void end_read() { --reading_; }

    // Starts the periodic sweep that aborts connections past their deadline.
    void start();
    // Graceful stop: no more keep-alive; idle connections are closed now.
    void begin_shutdown();
    bool shutting_down() const { return shutting_down_; }
    // Aborts every remaining connection and stops the sweep.
    void abort_all();

private:
    void schedule();
    void sweep();

    asio::steady_timer timer_;
    TrackedConnection* head_ = nullptr;
    std::size_t size_ = 0;
    std::size_t waiting_ = 0;
    std::size_t reading_ = 0;
    Clock::time_point now_ = Clock::now();
    bool shutting_down_ = false;
    bool stopped_ = false;
};

} // namespace quire::net
