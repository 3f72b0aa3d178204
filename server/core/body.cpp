#include "body.hpp"

#include <algorithm>
#include <cassert>

namespace quire::core {

std::optional<std::uint64_t> Body::known_length() const {
    std::uint64_t total = 0;
    for (const auto& b : buckets_) {
        if (const auto* m = std::get_if<MemoryBucket>(&b)) {
            total += m->data.size();
        } else if (const auto* sh = std::get_if<SharedBucket>(&b)) {
            total += sh->length;
        } else if (const auto* f = std::get_if<FileBucket>(&b)) {
            total += f->length;
        } else if (const auto& st = std::get<StreamBucket>(b); st.length) {
            total += *st.length;
        } else {
            return std::nullopt;
        }
    }
    return total;
}

bool Body::seekable() const {
    return std::all_of(buckets_.begin(), buckets_.end(), [](const Bucket& b) {
        const auto* st = std::get_if<StreamBucket>(&b);
        return !st || (st->length && st->from);
    });
}

Body Body::slice(std::uint64_t first, std::uint64_t length) const {
    assert(seekable());
    Body out;
    std::uint64_t pos = 0;
    for (const auto& b : buckets_) {
        if (length == 0) {
            break;
        }
        std::uint64_t size = 0;
        if (const auto* m = std::get_if<MemoryBucket>(&b)) {
            size = m->data.size();
        } else if (const auto* sh = std::get_if<SharedBucket>(&b)) {
            size = sh->length;
        } else if (const auto* f = std::get_if<FileBucket>(&b)) {
            size = f->length;
        } else {
            size = *std::get<StreamBucket>(b).length;
        }
        if (first >= pos + size) {
            pos += size;
            continue;
        }
        const std::uint64_t start = first > pos ? first - pos : 0;
        const std::uint64_t take = std::min(size - start, length);
        if (const auto* m = std::get_if<MemoryBucket>(&b)) {
            out.append(m->data.substr(start, take));
        } else if (const auto* sh = std::get_if<SharedBucket>(&b)) {
            out.buckets().emplace_back(SharedBucket{sh->data, sh->offset + start, take});
        } else if (const auto* f = std::get_if<FileBucket>(&b)) {
            out.append_file(f->fd, f->offset + start, take);
        } else {
            const auto& st = std::get<StreamBucket>(b);
            out.buckets().emplace_back(StreamBucket{st.from(start, take), take, {}});
        }
        first += take;
        length -= take;
        pos += size;
    }
    return out;
}

} // namespace quire::core
