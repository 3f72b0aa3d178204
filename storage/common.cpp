#include "common.hpp"

#include <map>
#include <random>
#include <unordered_map>

#include <openssl/evp.h>

#include "path.hpp"

namespace quire::storage {

Result<void> check_precondition(const Precondition& pre, const std::optional<std::string>& etag) {
    if (pre.if_match) {
        if (!etag)
            return fail(Errc::precondition_failed, "If-Match on a missing resource");
        if (*pre.if_match != "*" && *pre.if_match != *etag)
            return fail(Errc::precondition_failed, "If-Match: etag differs");
    }
    if (pre.if_none_match && etag) {
        if (*pre.if_none_match == "*" || *pre.if_none_match == *etag)
            return fail(Errc::precondition_failed, "If-None-Match: resource matches");
    }
    return {};
}

Result<void> check_copy_target(std::string_view from, std::string_view to) {
    if (from == to)
        return fail(Errc::forbidden, "source and destination are the same");
    if (is_within(to, from))
        return fail(Errc::forbidden, "destination lies inside the source");
    // Replacing an ancestor removes it first (RFC 4918 sections 9.8.4, 9.9.3), and the source
    // with it: refused, as Apache's mod_dav does, before anything is touched.
    if (is_within(from, to))
        return fail(Errc::forbidden, "the destination contains the source");
    if (is_root(from) || is_root(to))
        return fail(Errc::forbidden, "the root cannot be moved or replaced");
    return {};
}

std::vector<Change> coalesce(const std::vector<Change>& log) {
    struct Ends {
        Change first;
        Change last;
    };
    std::map<std::string, Ends> by_path;
    for (const auto& c : log) {
        auto [it, inserted] = by_path.try_emplace(c.path, Ends{c, c});
        if (!inserted)
            it->second.last = c;
    }
    std::vector<Change> out;
    for (auto& [path, ends] : by_path) {
        const Change& first = ends.first;
        const Change& last = ends.last;
        bool existed_before = first.kind != ChangeKind::added;
        bool exists_now = last.kind != ChangeKind::removed;
        if (!existed_before && !exists_now)
            continue;
        // What the path was at the token (a removal's flag is reliable; a modification
        // logged before added and modified rows carried the flag reads as a document, so a
        // removal at the end tells then) and what it is now.
        bool was_collection =
            first.collection || (first.kind == ChangeKind::modified &&
                                 last.kind == ChangeKind::removed && last.collection);
        bool is_collection = exists_now && last.collection;
        if (existed_before && exists_now && was_collection != is_collection) {
            // A document replaced a collection of the same name, or the other way round: two
            // resources (RFC 4918 section 5.2: "/x/" and "/x"), the old one gone, the new one
            // added. Folded into one "modified", the client never learns of one of them.
            out.push_back({path, ChangeKind::removed, was_collection});
            out.push_back({path, ChangeKind::added, false});
            continue;
        }
        ChangeKind kind = !existed_before ? ChangeKind::added
                          : exists_now    ? ChangeKind::modified
                                          : ChangeKind::removed;
        out.push_back({path, kind, kind == ChangeKind::removed && was_collection});
    }
    return out;
}

std::int64_t stored_kind(ChangeKind kind, bool collection) {
    return static_cast<std::int64_t>(kind) + (collection ? 4 : 0);
}

Change change_from_row(std::string path, std::int64_t stored) {
    return Change{std::move(path), static_cast<ChangeKind>(stored & 3), (stored & 4) != 0};
}

std::vector<Change> first_and_last_per_path(std::vector<Change> batch) {
    struct Ends {
        std::size_t first;
        std::size_t last;
    };
    std::unordered_map<std::string_view, Ends> ends;
    ends.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto [it, inserted] = ends.try_emplace(batch[i].path, Ends{i, i});
        if (!inserted)
            it->second.last = i;
    }
    if (ends.size() == batch.size())
        return batch;
    std::vector<bool> keep(batch.size(), false);
    for (const auto& [path, at] : ends)
        keep[at.first] = keep[at.last] = true;
    std::vector<Change> out;
    out.reserve(2 * ends.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
        if (keep[i])
            out.push_back(std::move(batch[i]));
    return out;
}

std::string new_store_id() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> dist(0, 15);
    std::string out;
    for (int i = 0; i < 16; ++i)
        out += "0123456789abcdef"[dist(rd)];
    return out;
}

std::string make_token(std::string_view store_id, std::int64_t seq) {
    return std::string(store_id) + "-" + std::to_string(seq);
}

Result<std::int64_t> parse_token(std::string_view token, std::string_view store_id,
                                 std::int64_t current) {
    auto dash = token.rfind('-');
    if (dash == std::string_view::npos || token.substr(0, dash) != store_id)
        return fail(Errc::invalid_sync_token, "token of another store");
    auto digits = token.substr(dash + 1);
    if (digits.empty() || digits.size() > 18)
        return fail(Errc::invalid_sync_token, "malformed token");
    std::int64_t seq = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return fail(Errc::invalid_sync_token, "malformed token");
        seq = seq * 10 + (c - '0');
    }
    if (seq > current)
        return fail(Errc::invalid_sync_token, "token from the future");
    return seq;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256::update(const void* data, std::size_t size) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

std::string Sha256::hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &len);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += digits[digest[i] >> 4];
        out += digits[digest[i] & 15];
    }
    return out;
}

} // namespace quire::storage
