#include "journal.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fd.hpp"

namespace quire::storage::fs {

namespace {

constexpr char magic[8] = {'Q', 'U', 'I', 'R', 'E', 'J', 'N', 'L'};
constexpr std::uint32_t version = 1;

// The file starts with this header; records follow it, each 8-byte aligned.
struct Header {
    char magic[8];
    std::uint32_t version;
    std::uint32_t capacity; // bytes of the file, header included
    // epoch << 32 | bytes of records: one word, so that emptying the journal and starting a
    // new epoch is one store (a crash between two would fold a batch twice or not at all).
    std::uint64_t position;
    std::uint32_t last; // offset of the last record (from the end of the header)
    std::uint8_t reserved[36];
};
static_assert(sizeof(Header) == 64);

struct RecordHead {
    std::uint32_t size; // the whole record, a multiple of 8
    std::uint8_t op;
    std::uint8_t state;
    std::uint8_t created;
    std::uint8_t reserved;
    std::uint64_t inode;
    std::uint32_t length[4]; // path, to, type, staging; their bytes follow
};
static_assert(sizeof(RecordHead) == 32);

constexpr std::uint32_t header_size = sizeof(Header);

std::uint32_t epoch_of(std::uint64_t position) {
    return static_cast<std::uint32_t>(position >> 32);
}
std::uint32_t used_of(std::uint64_t position) {
    return static_cast<std::uint32_t>(position);
}
std::uint64_t position_of(std::uint32_t epoch, std::uint32_t used) {
    return std::uint64_t{epoch} << 32 | used;
}

bool all_zero(const char* bytes, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (bytes[i] != 0)
            return false;
    return true;
}

// Whether every byte of the file is zero (read once, at open): a journal preallocated by a
// process that died before writing its header. nullopt when it cannot be read.
std::optional<bool> file_all_zero(int fd, off_t size) {
    char buf[64 * 1024];
    for (off_t at = 0; at < size;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? std::optional<bool>(true) : std::nullopt;
        if (!all_zero(buf, static_cast<std::size_t>(n)))
            return false;
        at += n;
    }
    return true;
}

// A new journal: preallocated (a write into a mapped hole of a full disk would be a SIGBUS),
// then its header. A random first epoch: a journal made anew (removed by hand) must not
// reuse an epoch meta.db records as folded.
Result<bool> initialise(int fd, std::uint32_t capacity, const std::string& file) {
    if (int err = ::posix_fallocate(fd, 0, capacity); err != 0) {
        (void)::ftruncate(fd, 0);
        if (err == ENOSPC || err == EOPNOTSUPP || err == EINVAL || err == EDQUOT)
            return false;
        return tl::unexpected(errno_error(err, "preallocate " + file));
    }
    Header h{};
    std::memcpy(h.magic, magic, sizeof magic);
    h.version = version;
    h.capacity = capacity;
    std::random_device random;
    h.position = position_of(static_cast<std::uint32_t>(random()), 0);
    if (::pwrite(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) {
        int err = errno;
        (void)::ftruncate(fd, 0);
        if (err == ENOSPC || err == EDQUOT)
            return false;
        return tl::unexpected(errno_error(err, "write " + file));
    }
    return true;
}

} // namespace

Result<Journal> Journal::open(const std::string& file, std::uint32_t capacity) {
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        return tl::unexpected(errno_error(errno, "open " + file));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return tl::unexpected(errno_error(errno, "stat " + file));
    Header h{};
    if (st.st_size >= static_cast<off_t>(header_size) &&
        ::pread(fd.get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
        return tl::unexpected(errno_error(errno, "read " + file));
    // Empty, or a crash between preallocating and writing the header: nothing was journalled.
    // A header zeroed over records is damage, not a new journal: those records are refused
    // below rather than dropped.
    bool fresh = st.st_size == 0;
    if (st.st_size >= static_cast<off_t>(header_size) && all_zero(h.magic, sizeof h.magic)) {
        const auto zero = file_all_zero(fd.get(), st.st_size);
        if (!zero)
            return tl::unexpected(errno_error(errno, "read " + file));
        fresh = *zero;
    }
    if (fresh) {
        auto made = initialise(fd.get(), capacity, file);
        if (!made)
            return tl::unexpected(made.error());
        if (!*made)
            return Journal();
        if (::pread(fd.get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) ||
            ::fstat(fd.get(), &st) != 0)
            return tl::unexpected(errno_error(errno, "read " + file));
    }
    const std::string damaged =
        file + ": not a journal of this Quire; it may hold changes not yet in meta.db (move it "
               "away to open the store without them)";
    if (st.st_size < static_cast<off_t>(header_size) || std::memcmp(h.magic, magic, sizeof magic))
        return fail(Errc::io, damaged);
    if (h.version != version)
        return fail(Errc::io, file + ": journal version " + std::to_string(h.version) +
                                  " is not the one this Quire reads");
    if (h.capacity < header_size || h.capacity != static_cast<std::uint64_t>(st.st_size) ||
        used_of(h.position) > h.capacity - header_size)
        return fail(Errc::io, damaged);
    void* base = ::mmap(nullptr, h.capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (base == MAP_FAILED)
        return tl::unexpected(errno_error(errno, "map " + file));
    return Journal(file, static_cast<unsigned char*>(base), h.capacity);
}

bool Journal::has_records(const std::string& file) {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    Header h{};
    if (!fd || ::pread(fd.get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
        return false;
    return std::memcmp(h.magic, magic, sizeof magic) == 0 && used_of(h.position) != 0;
}

Journal::Journal(Journal&& other) noexcept
    : file_(std::move(other.file_)), base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

Journal& Journal::operator=(Journal&& other) noexcept {
    if (this != &other) {
        if (base_)
            ::munmap(base_, size_);
        file_ = std::move(other.file_);
        base_ = std::exchange(other.base_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

Journal::~Journal() {
    if (base_)
        ::munmap(base_, size_);
}

namespace {

Header& header(unsigned char* base) {
    return *reinterpret_cast<Header*>(base);
}

std::uint64_t load_position(unsigned char* base) {
    // Lock-free 64-bit atomics work between processes on a shared mapping.
    return std::atomic_ref<std::uint64_t>(header(base).position).load(std::memory_order_acquire);
}

void store_position(unsigned char* base, std::uint64_t position) {
    std::atomic_ref<std::uint64_t>(header(base).position)
        .store(position, std::memory_order_release);
}

RecordHead& head_at(unsigned char* base, std::uint32_t at) {
    return *reinterpret_cast<RecordHead*>(base + header_size + at);
}

} // namespace

bool Journal::empty() const {
    return !base_ || used_of(load_position(base_)) == 0;
}

std::uint32_t Journal::epoch() const {
    return base_ ? epoch_of(load_position(base_)) : 0;
}

std::optional<std::uint32_t> Journal::append(const JournalRecord& record) {
    if (!base_)
        return std::nullopt;
    const std::string_view parts[4] = {record.path, record.to, record.type, record.staging};
    std::uint64_t size = sizeof(RecordHead);
    for (auto part : parts)
        size += part.size();
    size = (size + 7) & ~std::uint64_t{7};
    const std::uint64_t position = load_position(base_);
    const std::uint32_t at = used_of(position);
    if (size > size_ - header_size - at)
        return std::nullopt;
    RecordHead& head = head_at(base_, at);
    head.size = static_cast<std::uint32_t>(size);
    head.op = static_cast<std::uint8_t>(record.op);
    head.state = static_cast<std::uint8_t>(JournalState::pending);
    head.created = record.created ? 1 : 0;
    head.reserved = 0;
    head.inode = record.inode;
    unsigned char* bytes = base_ + header_size + at + sizeof(RecordHead);
    for (int i = 0; i < 4; ++i) {
        head.length[i] = static_cast<std::uint32_t>(parts[i].size());
        if (!parts[i].empty()) // an empty view may have no data() at all
            std::memcpy(bytes, parts[i].data(), parts[i].size());
        bytes += parts[i].size();
    }
    header(base_).last = at;
    // Visible from here on: the record is whole before `used` covers it.
    store_position(base_, position_of(epoch_of(position), at + head.size));
    return at;
}

void Journal::finish(std::uint32_t at, bool done) {
    auto state = done ? JournalState::done : JournalState::cancelled;
    std::atomic_ref<std::uint8_t>(head_at(base_, at).state)
        .store(static_cast<std::uint8_t>(state), std::memory_order_release);
}

JournalRecord Journal::record_at(std::uint32_t at) const {
    const RecordHead& head = head_at(base_, at);
    JournalRecord out;
    out.op = static_cast<JournalOp>(head.op);
    out.state = static_cast<JournalState>(
        std::atomic_ref<const std::uint8_t>(head.state).load(std::memory_order_acquire));
    out.created = head.created != 0;
    out.inode = head.inode;
    const char* bytes =
        reinterpret_cast<const char*>(base_ + header_size + at + sizeof(RecordHead));
    std::string_view* parts[4] = {&out.path, &out.to, &out.type, &out.staging};
    for (int i = 0; i < 4; ++i) {
        *parts[i] = std::string_view(bytes, head.length[i]);
        bytes += head.length[i];
    }
    return out;
}

std::optional<std::pair<std::uint32_t, JournalRecord>> Journal::pending_tail() const {
    if (!base_)
        return std::nullopt;
    const std::uint32_t used = used_of(load_position(base_));
    const std::uint32_t last = header(base_).last;
    // `last` is written before `used` covers its record: past the end, it was never visible.
    if (used < sizeof(RecordHead) || last % 8 != 0 || last > used - sizeof(RecordHead) ||
        head_at(base_, last).size != used - last)
        return std::nullopt;
    JournalRecord record = record_at(last);
    if (record.state != JournalState::pending)
        return std::nullopt;
    return std::pair{last, record};
}

Result<std::vector<JournalRecord>> Journal::records() const {
    std::vector<JournalRecord> out;
    if (!base_)
        return out;
    const std::uint32_t used = used_of(load_position(base_));
    for (std::uint32_t at = 0; at < used;) {
        if (used - at < sizeof(RecordHead))
            return fail(Errc::io, file_ + ": damaged record at offset " + std::to_string(at));
        const RecordHead& head = head_at(base_, at);
        std::uint64_t lengths = 0;
        for (auto length : head.length)
            lengths += length;
        const bool whole = head.size % 8 == 0 && head.size >= sizeof(RecordHead) &&
                           head.size <= used - at && sizeof(RecordHead) + lengths <= head.size &&
                           (head.op == static_cast<std::uint8_t>(JournalOp::put) ||
                            head.op == static_cast<std::uint8_t>(JournalOp::move)) &&
                           head.state <= static_cast<std::uint8_t>(JournalState::cancelled);
        if (!whole)
            return fail(Errc::io, file_ + ": damaged record at offset " + std::to_string(at));
        out.push_back(record_at(at));
        at += head.size;
    }
    return out;
}

void Journal::clear() {
    if (base_)
        store_position(base_, position_of(epoch() + 1, 0));
}

} // namespace quire::storage::fs
