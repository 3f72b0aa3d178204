// A read cache for stores whose reads cost a query or an object lookup (sqlite, git): the
// metadata of a path (with the bytes of a small document), its dead properties, and the
// members of a collection, so that a GET or PROPFIND of a known path costs no backend round
// trip.
//
// Every entry belongs to one version of the store, an opaque string the store reads BEFORE it
// reads the data it caches (sqlite: a generation counter every writer in any process bumps
// after its commit; git: the branch head's commit id). A lookup with another version drops the
// whole cache; an insert of data read at an older version is ignored. The store never serves
// an entry without first reading the current version, so writes are seen at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store.hpp"

namespace quire::storage {

// A resource's metadata, with its whole body when it is small (null otherwise, and for
// collections).
struct CachedDocument {
    Meta meta;
    std::shared_ptr<const std::string> body;
};

class ReadCache {
public:
    static constexpr std::size_t max_entries = 100000; // per kind (documents, properties)
    static constexpr std::uint64_t small_body = 16 * 1024;
    static constexpr std::size_t max_body_bytes = 16u << 20;
    // Members over all cached listings: a Depth: infinity walk of a big tree must not pile
    // its listings up in memory.
    static constexpr std::size_t max_listed = 20000;

    // A disabled cache (the store has no way to know its version) misses every lookup.
    explicit ReadCache(bool enabled = true) : enabled_(enabled) {}
    ReadCache(const ReadCache&) = delete;
    ReadCache& operator=(const ReadCache&) = delete;

    // Lookups take the store's current version; puts the version read before the data.
    std::optional<CachedDocument> document(std::string_view path, std::string_view version);
    // Whether a body of that size may be kept with its metadata.
    bool room_for(std::uint64_t size);
    void put_document(std::string_view path, CachedDocument document, std::string_view version);

    // Dead properties, as Store::props() returns them.
    std::shared_ptr<const std::vector<Property>> props(std::string_view path,
                                                       std::string_view version);
    void put_props(std::string_view path, std::vector<Property> props, std::string_view version);

    // Members of a collection; with_props asks for a listing that was read with them (one read
    // with them serves both kinds of request).
    std::shared_ptr<const std::vector<Meta>> listing(std::string_view path, bool with_props,
                                                     std::string_view version);
    void put_listing(std::string_view path, std::shared_ptr<const std::vector<Meta>> members,
                     bool with_props, std::string_view version);

private:
    struct Listing {
        std::shared_ptr<const std::vector<Meta>> members;
        bool with_props = false;
    };

    // Drops everything when the version moved; call with mutex_ held.
    bool current_locked(std::string_view version);
    void clear_locked();

    const bool enabled_;
    std::mutex mutex_;
    std::string seen_; // the version the entries belong to
    std::unordered_map<std::string, CachedDocument> documents_;
    std::size_t body_bytes_ = 0;
    std::unordered_map<std::string, std::shared_ptr<const std::vector<Property>>> props_;
    std::unordered_map<std::string, Listing> listings_;
    std::size_t listed_ = 0;
};

} // namespace quire::storage
