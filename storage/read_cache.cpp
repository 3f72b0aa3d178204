#include "read_cache.hpp"

namespace quire::storage {

namespace {

std::size_t body_size(const CachedDocument& d) {
    return d.body ? d.body->size() : 0;
}

} // namespace

void ReadCache::clear_locked() {
    documents_.clear();
    body_bytes_ = 0;
    props_.clear();
    listings_.clear();
    listed_ = 0;
}

bool ReadCache::current_locked(std::string_view version) {
    if (!enabled_) {
        return false;
    }
    if (version == seen_) {
        return true;
    }
    clear_locked();
    seen_ = version;
    return false;
}

std::optional<CachedDocument> ReadCache::document(std::string_view path, std::string_view version) {
    std::lock_guard lock(mutex_);
    if (!current_locked(version)) {
        return std::nullopt;
    }
    if (auto it = documents_.find(std::string(path)); it != documents_.end()) {
        return it->second;
    }
    return std::nullopt;
}

bool ReadCache::room_for(std::uint64_t size) {
    std::lock_guard lock(mutex_);
    return size <= small_body && body_bytes_ + size <= max_body_bytes;
}

void ReadCache::put_document(std::string_view path, CachedDocument document,
                             std::string_view version) {
    std::lock_guard lock(mutex_);
    if (!enabled_ || version != seen_) {
        return; // read at an older version, or before any lookup saw this one: not cached
    }
    if (documents_.size() >= max_entries) {
        documents_.clear(); // rare; simpler and cheaper than tracking recency
        body_bytes_ = 0;
    }
    std::string key(path);
    if (auto it = documents_.find(key); it != documents_.end()) {
        body_bytes_ -= body_size(it->second);
        documents_.erase(it);
    }
    if (body_bytes_ + body_size(document) > max_body_bytes) {
        document.body = nullptr; // the metadata alone is still worth keeping
    }
    body_bytes_ += body_size(document);
    documents_.emplace(std::move(key), std::move(document));
}

std::shared_ptr<const std::vector<Property>> ReadCache::props(std::string_view path,
                                                              std::string_view version) {
    std::lock_guard lock(mutex_);
    if (!current_locked(version)) {
        return nullptr;
    }
    if (auto it = props_.find(std::string(path)); it != props_.end()) {
        return it->second;
    }
    return nullptr;
}

void ReadCache::put_props(std::string_view path, std::vector<Property> props,
                          std::string_view version) {
    std::lock_guard lock(mutex_);
    if (!enabled_ || version != seen_) {
        return;
    }
    if (props_.size() >= max_entries) {
        props_.clear();
    }
    props_.insert_or_assign(std::string(path),
                            std::make_shared<const std::vector<Property>>(std::move(props)));
}

std::shared_ptr<const std::vector<Meta>> ReadCache::listing(std::string_view path, bool with_props,
                                                            std::string_view version) {
    std::lock_guard lock(mutex_);
    if (!current_locked(version)) {
        return nullptr;
    }
    auto it = listings_.find(std::string(path));
    if (it == listings_.end() || (with_props && !it->second.with_props)) {
        return nullptr;
    }
    return it->second.members;
}

void ReadCache::put_listing(std::string_view path, std::shared_ptr<const std::vector<Meta>> members,
                            bool with_props, std::string_view version) {
    if (members->size() > max_listed) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (!enabled_ || version != seen_) {
        return;
    }
    std::string key(path);
    if (auto it = listings_.find(key); it != listings_.end()) {
        if (it->second.with_props && !with_props) {
            return; // the cached one serves both kinds
        }
        listed_ -= it->second.members->size();
        listings_.erase(it);
    }
    if (listed_ + members->size() > max_listed) {
        listings_.clear();
        listed_ = 0;
    }
    listed_ += members->size();
    listings_.emplace(std::move(key), Listing{std::move(members), with_props});
}

} // namespace quire::storage
