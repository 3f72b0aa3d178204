#include "connection_tracker.hpp"

namespace quire::net {

namespace {
constexpr auto sweep_interval = std::chrono::milliseconds(500);
}

ConnectionTracker::ConnectionTracker(const asio::any_io_executor& executor) : timer_(executor) {}

void ConnectionTracker::add(TrackedConnection& c) {
    c.prev_ = nullptr;
    c.next_ = head_;
    if (head_) {
        head_->prev_ = &c;
    }
    head_ = &c;
    ++size_;
}

void ConnectionTracker::remove(TrackedConnection& c) {
    if (c.prev_) {
        c.prev_->next_ = c.next_;
    } else if (head_ == &c) {
        head_ = c.next_;
    } else {
        return; // not in the list
    }
    if (c.next_) {
        c.next_->prev_ = c.prev_;
    }
    c.prev_ = c.next_ = nullptr;
    --size_;
}

void ConnectionTracker::start() {
    schedule();
}

void ConnectionTracker::schedule() {
    if (stopped_) {
        return;
    }
    timer_.expires_after(sweep_interval);
    timer_.async_wait([this](std::error_code ec) {
        if (!ec) {
            sweep();
            schedule();
        }
    });
}

void ConnectionTracker::sweep() {
    now_ = Clock::now();
    for (auto* c = head_; c;) {
        auto* next = c->next_; // abort() may unlink c later, never now
        if (c->deadline <= now_) {
            c->deadline = Clock::time_point::max();
            c->abort();
        } else if (c->idle && !c->parked && ++c->idle_sweeps >= 2) {
            // Idle for a sweep interval or more: busy keep-alive connections keep their
            // coroutine (cheap to resume), quiet ones shrink to a parked wait.
            c->request_park();
        }
        c = next;
    }
}

void ConnectionTracker::begin_shutdown() {
    shutting_down_ = true;
    for (auto* c = head_; c; c = c->next_) {
        if (c->idle) {
            c->abort();
        }
    }
}

void ConnectionTracker::abort_all() {
    stopped_ = true;
    timer_.cancel();
    for (auto* c = head_; c; c = c->next_) {
        c->abort();
    }
}

} // namespace quire::net
