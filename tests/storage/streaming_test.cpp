// Bodies stream: a large write taken piece by piece (Store::begin_put), and a large read, never
// sit whole in memory on the backends that promise it.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include "testing.hpp"

namespace quire::storage::testing {
namespace {

#if defined(__SANITIZE_ADDRESS__)
// ASan keeps freed memory in a quarantine (256 MiB by default), so peak RSS says nothing about
// what the code holds: stream a smaller body for the content checks only.
constexpr bool rss_meaningful = false;
constexpr std::size_t body_size = 64u << 20;
#else
constexpr bool rss_meaningful = true;
constexpr std::size_t body_size = 256u << 20;
#endif
constexpr std::size_t chunk = 64u << 10;

long peak_rss_kib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

char byte_at(std::size_t i) {
    return static_cast<char>((i * 2654435761u) >> 13);
}

template <class Backend>
class StreamingTest : public ::testing::Test {};

// git is left out: libgit2 inflates a blob whole on read (see docs/storage.md).
using Backends = ::testing::Types<FsBackend, FsQuickBackend, SqliteBackend>;
TYPED_TEST_SUITE(StreamingTest, Backends, BackendNames);

TYPED_TEST(StreamingTest, LargeBodyNeverSitsInMemory) {
    TempDir dir;
    auto store = TypeParam::open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    long before = peak_rss_kib();

    // As the WebDAV handler writes a long request body: piece by piece as it arrives.
    auto stream = (*store)->begin_put("/big.bin");
    ASSERT_TRUE(stream) << stream.error().message;
    std::string piece(chunk, '\0');
    for (std::size_t off = 0; off < body_size; off += chunk) {
        for (std::size_t i = 0; i < chunk; ++i)
            piece[i] = byte_at(off + i);
        auto ok = (*stream)->write(std::as_bytes(std::span(piece.data(), piece.size())));
        ASSERT_TRUE(ok) << ok.error().message;
    }
    auto written = (*stream)->finish({}, "t");
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ((*store)->stat("/big.bin")->size, body_size);

    auto body = (*store)->open_read("/big.bin");
    ASSERT_TRUE(body);
    std::vector<std::byte> buf(chunk);
    std::size_t pos = 0, wrong = 0;
    for (;;) {
        auto n = (*body)->read(buf);
        ASSERT_TRUE(n);
        if (*n == 0)
            break;
        for (std::size_t i = 0; i < *n; ++i)
            wrong += static_cast<char>(buf[i]) != byte_at(pos + i);
        pos += *n;
    }
    EXPECT_EQ(pos, body_size);
    EXPECT_EQ(wrong, 0u);
    // Holding the body would raise the peak by 256 MiB; allow 64 MiB for everything else.
    if (rss_meaningful) {
        EXPECT_LT(peak_rss_kib() - before, 64 * 1024) << "peak RSS grew with the body";
    }
}

} // namespace
} // namespace quire::storage::testing
