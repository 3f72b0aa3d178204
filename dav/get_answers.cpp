#include "get_answers.hpp"

namespace quire::dav {

const GetAnswers::Answer* GetAnswers::find(const std::string& path, std::uint64_t generation,
                                           Clock::time_point now) {
    if (generation != generation_) {
        entries_.clear(); // a write committed since they were read
        generation_ = generation;
        return nullptr;
    }
    auto it = entries_.find(path);
    if (it == entries_.end()) {
        return nullptr;
    }
    if (it->second.expires <= now) {
        entries_.erase(it);
        return nullptr;
    }
    return &it->second.answer;
}

void GetAnswers::remember(const std::string& path, Answer answer, std::uint64_t generation,
                          Clock::time_point expires) {
    if (generation != generation_) {
        entries_.clear();
        generation_ = generation;
    }
    if (entries_.size() >= max_entries) {
        entries_.clear(); // rare; simpler and cheaper than tracking recency
    }
    entries_.insert_or_assign(path, Entry{std::move(answer), expires});
}

} // namespace quire::dav
