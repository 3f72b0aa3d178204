// A keep-alive request allocates no coroutine frame: asio recycles frames of up to 1,020
// bytes and allocates larger ones anew each time (aligned_alloc, then free). serve_one's
// frame crept over that bound once unnoticed (1,036 bytes: a memalign per request, 8% of a
// small GET's user-space instructions). Built as a test program of its own: it replaces
// aligned_alloc for the whole process to count the calls.
#include "handlers/static/static_handler.hpp"
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>

#if !defined(__SANITIZE_ADDRESS__) // ASan has its own aligned_alloc, which must stay
// The count of aligned allocations in this process (every thread): a test hook, the one
// piece of global state here, read before and after a run of requests.
namespace {
std::atomic<long> aligned_allocations{0};
} // namespace

extern "C" void* __libc_memalign(std::size_t alignment, std::size_t size);

// Interposes glibc's aligned_alloc (what asio's aligned_new calls) and forwards to it.
extern "C" void* aligned_alloc(std::size_t alignment, std::size_t size) {
    aligned_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(alignment, size);
}
#endif

namespace quire::test {
namespace {

TEST(FrameRecycling, KeepAliveGetsAllocateNoCoroutineFrames) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "under ASan aligned_alloc is not counted; the release build runs this test";
#else
    TempDir root;
    root.write("a.txt", std::string(100, 'x'));
    handlers::StaticOptions o;
    o.root = root.path().string();
    auto h = handlers::StaticHandler::create(o);
    ASSERT_TRUE(h) << h.error();
    TestServer server(make_config({mount("/", *h)}));
    TestClient c(server.port());
    auto get = [&c] {
        c.send("GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        auto r = c.read_response();
        return r && r->status == 200 && r->body.size() == 100;
    };
    for (int i = 0; i < 50; ++i) // warm: the recycling caches fill, the file is cached
        ASSERT_TRUE(get()) << i;
    constexpr int requests = 500;
    const long before = aligned_allocations.load();
    for (int i = 0; i < requests; ++i)
        ASSERT_TRUE(get()) << i;
    const long during = aligned_allocations.load() - before;
    // One per request when a frame is too big to recycle; a few may come from elsewhere
    // (a timer sweep, the date cache).
    EXPECT_LT(during, requests / 10)
        << during << " aligned allocations for " << requests << " requests";
#endif
}

} // namespace
} // namespace quire::test
