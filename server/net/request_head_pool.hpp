// Per-worker free list of request heads. A request borrows one for as long as it is served:
// the head's strings and field vector are reused by the next request (no allocation per
// request once warm), and the coroutine serving the request holds a pointer instead of the
// head, which keeps its frame within the size asio recycles without malloc (1,020 bytes).
#pragma once

#include "http/request.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace quire::net {

class RequestHeadPool {
public:
    // Gives its head back to the pool when it ends.
    class Lease {
    public:
        Lease(RequestHeadPool& pool, std::unique_ptr<http::RequestHead> head)
            : pool_(&pool), head_(std::move(head)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() {
            if (head_) {
                pool_->give(std::move(head_));
            }
        }
        http::RequestHead& operator*() const { return *head_; }

    private:
        RequestHeadPool* pool_;
        std::unique_ptr<http::RequestHead> head_;
    };

    // A small cap: the heads of a burst of concurrent requests are not all kept.
    explicit RequestHeadPool(std::size_t max_cached = 64) : max_cached_(max_cached) {}

    Lease take() {
        if (free_.empty()) {
            return Lease(*this, std::make_unique<http::RequestHead>());
        }
        auto head = std::move(free_.back());
        free_.pop_back();
        return Lease(*this, std::move(head));
    }

private:
    void give(std::unique_ptr<http::RequestHead> head) {
        if (free_.size() < max_cached_) {
            free_.push_back(std::move(head));
        }
    }

    std::vector<std::unique_ptr<http::RequestHead>> free_;
    std::size_t max_cached_;
};

} // namespace quire::net
