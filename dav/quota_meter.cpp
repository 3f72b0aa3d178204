#include "quota_meter.hpp"

#include <string>
#include <vector>

namespace quire::dav {

std::uint64_t bytes_within(storage::Store& store, const std::string& path) {
    auto self = store.stat_basic(path);
    if (!self) {
        return 0;
    }
    if (!self->collection) {
        return self->size;
    }
    std::uint64_t total = 0;
    std::vector<std::string> todo{path};
    while (!todo.empty()) {
        auto list = store.list(todo.back());
        todo.pop_back();
        if (!list) {
            continue;
        }
        for (const auto& m : *list) {
            if (m.collection) {
                todo.push_back(m.path);
            } else {
                total += m.size;
            }
        }
    }
    return total;
}

std::uint64_t QuotaMeter::used_locked(storage::Store& store) {
    const auto now = Clock::now();
    if (!counted_ || now - *counted_ >= recount_) {
        used_ = bytes_within(store, "/");
        counted_ = now;
    }
    return used_;
}

std::uint64_t QuotaMeter::used(storage::Store& store) {
    std::lock_guard lock(mutex_);
    return used_locked(store);
}

std::uint64_t QuotaMeter::available(storage::Store& store) {
    const auto u = used(store);
    return u < limit_ ? limit_ - u : 0;
}

bool QuotaMeter::admits(storage::Store& store, std::uint64_t adding, std::uint64_t freeing) {
    if (adding <= freeing) {
        return true; // it does not grow the share (even one over a quota lowered since)
    }
    std::lock_guard lock(mutex_);
    const auto u = used_locked(store);
    const auto after_freeing = u > freeing ? u - freeing : 0;
    return adding <= limit_ && after_freeing <= limit_ - adding;
}

void QuotaMeter::changed(std::uint64_t added, std::uint64_t freed) {
    std::lock_guard lock(mutex_);
    if (!counted_) {
        return;
    }
    used_ = (used_ > freed ? used_ - freed : 0) + added;
}

void QuotaMeter::invalidate() {
    std::lock_guard lock(mutex_);
    counted_.reset();
}

} // namespace quire::dav
