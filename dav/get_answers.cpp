#include "get_answers.hpp"

namespace quire::dav {

const GetAnswers::Answer* GetAnswers::find(const std::string& path, std::uint64_t generation,
                                           Clock::time_point now) {
    if (generation != generation_) {
        clear(); // a write committed since they were read
        generation_ = generation;
        return nullptr;
    }
    auto it = entries_.find(path);
    if (it == entries_.end()) {
        return nullptr;
    }
    if (it->second.expires <= now) {
        bytes_ -= it->second.answer.bytes->size();
        entries_.erase(it);
        return nullptr;
    }
    return &it->second.answer;
}

void GetAnswers::remember(const std::string& path, Answer answer, std::uint64_t generation,
                          Clock::time_point expires) {
    if (generation != generation_) {
        clear();
        generation_ = generation;
    }
    const std::size_t size = answer.bytes->size();
    if (auto it = entries_.find(path); it != entries_.end()) {
        bytes_ -= it->second.answer.bytes->size();
        entries_.erase(it);
    }
    if (entries_.size() >= max_entries || bytes_ + size > max_bytes) {
        clear(); // rare; simpler and cheaper than tracking recency
    }
    entries_.emplace(path, Entry{std::move(answer), expires});
    bytes_ += size;
}

void GetAnswers::clear() {
    entries_.clear();
    bytes_ = 0;
}

} // namespace quire::dav
