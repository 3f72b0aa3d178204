#include "meta_cache.hpp"

#include <algorithm>
#include <sys/resource.h>

namespace quire::storage::fs {

namespace {

std::size_t file_budget() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) {
        return MetaCache::max_files;
    }
    return std::min<std::size_t>(MetaCache::max_files, lim.rlim_cur / 4);
}

} // namespace

MetaCache::MetaCache(int lock_fd, std::chrono::milliseconds file_ttl)
    : generation_(lock_fd), file_ttl_(file_ttl), file_budget_(file_budget()) {}

MetaCache::MetaCache(const std::string& lock_file, SharedCounter::ReadOnly,
                     std::chrono::milliseconds file_ttl)
    : generation_(lock_file, SharedCounter::read_only), file_ttl_(file_ttl),
      file_budget_(file_budget()) {}

std::uint64_t MetaCache::generation() const {
    return generation_.load();
}

void MetaCache::bump() {
    generation_.bump();
}

bool MetaCache::current_locked() {
    const auto now = generation();
    if (now == seen_) {
        return true;
    }
    props_.clear();
    files_.clear();
    content_bytes_ = 0;
    listings_.clear();
    listed_ = 0;
    seen_ = now;
    return false;
}

std::shared_ptr<const std::vector<Property>> MetaCache::props(std::string_view path) {
    if (!generation_.enabled()) {
        return nullptr;
    }
    std::lock_guard lock(mutex_);
    if (!current_locked()) {
        return nullptr;
    }
    if (auto it = props_.find(std::string(path)); it != props_.end()) {
        return it->second;
    }
    return nullptr;
}

void MetaCache::put_props(std::string_view path, std::vector<Property> props,
                          std::uint64_t generation) {
    if (!generation_.enabled()) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (generation != seen_ || generation != this->generation()) {
        return; // read before a write that has since committed: not cached
    }
    if (props_.size() >= max_props) {
        props_.clear(); // rare; simpler and cheaper than tracking recency
    }
    props_.insert_or_assign(std::string(path),
                            std::make_shared<const std::vector<Property>>(std::move(props)));
}

std::optional<CachedFile> MetaCache::file(std::string_view path) {
    if (!files_enabled()) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    if (!current_locked()) {
        return std::nullopt;
    }
    auto it = files_.find(std::string(path));
    if (it == files_.end()) {
        return std::nullopt;
    }
    if (it->second.expires <= std::chrono::steady_clock::now()) {
        content_bytes_ -= it->second.content ? it->second.content->size() : 0;
        files_.erase(it);
        return std::nullopt;
    }
    return it->second;
}

void MetaCache::drop_file(std::string_view path) {
    std::lock_guard lock(mutex_);
    auto it = files_.find(std::string(path));
    if (it == files_.end()) {
        return;
    }
    content_bytes_ -= it->second.content ? it->second.content->size() : 0;
    files_.erase(it);
}

bool MetaCache::room_for(std::uint64_t size) {
    std::lock_guard lock(mutex_);
    return size <= small_file && content_bytes_ + size <= max_content_bytes;
}

void MetaCache::put_file(std::string_view path, CachedFile file, std::uint64_t generation) {
    if (!files_enabled()) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (generation != seen_ || generation != this->generation()) {
        return;
    }
    if (files_.size() >= file_budget_) {
        files_.clear();
        content_bytes_ = 0;
    }
    file.expires = std::chrono::steady_clock::now() + file_ttl_;
    std::string key(path);
    if (auto it = files_.find(key); it != files_.end()) {
        content_bytes_ -= it->second.content ? it->second.content->size() : 0;
        files_.erase(it);
    }
    content_bytes_ += file.content ? file.content->size() : 0;
    files_.emplace(std::move(key), std::move(file));
}

std::shared_ptr<const std::vector<Meta>> MetaCache::listing(std::string_view path) {
    if (!files_enabled()) {
        return nullptr;
    }
    std::lock_guard lock(mutex_);
    if (!current_locked()) {
        return nullptr;
    }
    auto it = listings_.find(std::string(path));
    if (it == listings_.end()) {
        return nullptr;
    }
    if (it->second.expires <= std::chrono::steady_clock::now()) {
        listed_ -= it->second.members->size();
        listings_.erase(it);
        return nullptr;
    }
    return it->second.members;
}

void MetaCache::put_listing(std::string_view path, std::shared_ptr<const std::vector<Meta>> members,
                            std::uint64_t generation) {
    if (!files_enabled() || members->size() > max_listed) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (generation != seen_ || generation != this->generation()) {
        return;
    }
    std::string key(path);
    if (auto it = listings_.find(key); it != listings_.end()) {
        listed_ -= it->second.members->size();
        listings_.erase(it);
    }
    if (listed_ + members->size() > max_listed) {
        listings_.clear();
        listed_ = 0;
    }
    listed_ += members->size();
    listings_.emplace(std::move(key), CachedListing{std::move(members),
                                                    std::chrono::steady_clock::now() + file_ttl_});
}

} // namespace quire::storage::fs
