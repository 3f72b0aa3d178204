#include "write_gate.hpp"

#include "lock_store.hpp"

#include <algorithm>
#include <utility>

namespace quire::dav {

namespace {

// At, above or below: a write there can meet a lock there (an ancestor's removal takes the
// lock with it; a member's creation needs the token of a lock on its collection).
bool overlap(const std::string& a, const std::string& b) {
    return is_same_or_ancestor(a, b) || is_same_or_ancestor(b, a);
}

bool any_overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (const auto& x : a)
        for (const auto& y : b)
            if (overlap(x, y))
                return true;
    return false;
}

} // namespace

WriteGate::Pass::Pass(Pass&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)), id_(other.id_) {}

WriteGate::Pass& WriteGate::Pass::operator=(Pass&& other) noexcept {
    if (this != &other) {
        if (gate_)
            gate_->leave(id_);
        gate_ = std::exchange(other.gate_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

WriteGate::Pass::~Pass() {
    if (gate_)
        gate_->leave(id_);
}

bool WriteGate::write_blocked(const std::vector<std::string>& paths) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&paths](const Entry& e) { return e.lock && any_overlap(e.paths, paths); });
}

bool WriteGate::lock_blocked(const Entry& lock) const {
    return std::any_of(entries_.begin(), entries_.end(), [&lock](const Entry& e) {
        return e.id != lock.id && (!e.lock || e.id < lock.id) && any_overlap(e.paths, lock.paths);
    });
}

WriteGate::Pass WriteGate::write(std::vector<std::string> paths) {
    for (auto& p : paths)
        normalize_lock_path_in_place(p);
    std::unique_lock guard(mutex_);
    changed_.wait(guard, [&] { return !write_blocked(paths); });
    const std::uint64_t id = next_id_++;
    entries_.push_back({id, std::move(paths), false});
    return Pass(this, id);
}

std::optional<WriteGate::Pass> WriteGate::try_write(std::vector<std::string> paths) {
    for (auto& p : paths)
        normalize_lock_path_in_place(p);
    // The mutex is held only to add or drop an entry (a few hundred nanoseconds): waiting for
    // it is fine on an event loop, and failing on a busy mutex would send writes to the pool,
    // whose own passes would then keep the mutex busier.
    std::lock_guard guard(mutex_);
    if (write_blocked(paths))
        return std::nullopt;
    const std::uint64_t id = next_id_++;
    entries_.push_back({id, std::move(paths), false});
    return Pass(this, id);
}

WriteGate::Pass WriteGate::lock(std::string root) {
    std::unique_lock guard(mutex_);
    const std::uint64_t id = next_id_++;
    entries_.push_back({id, {normalize_lock_path(root)}, true});
    const Entry mine = entries_.back();
    changed_.wait(guard, [&] { return !lock_blocked(mine); });
    return Pass(this, id);
}

void WriteGate::leave(std::uint64_t id) {
    {
        std::lock_guard guard(mutex_);
        std::erase_if(entries_, [id](const Entry& e) { return e.id == id; });
    }
    changed_.notify_all();
}

} // namespace quire::dav
