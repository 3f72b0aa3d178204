// A full disk: writes into a small tmpfs fail with insufficient_storage and keep the old
// content.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <sys/mount.h>
#include <sys/stat.h>

#include "testing.hpp"

namespace quire::storage::testing {
namespace {

// Mounts a size-limited tmpfs for the test's lifetime (we run as root in CI).
class SmallDisk {
public:
    explicit SmallDisk(const std::string& dir) : dir_(dir + "/disk") {
        ::mkdir(dir_.c_str(), 0700);
        if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=4m") == 0)
            mounted_ = true;
        else
            error_ = std::strerror(errno);
    }
    ~SmallDisk() {
        if (mounted_)
            ::umount2(dir_.c_str(), MNT_DETACH);
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; }
    const std::string& path() const { return dir_; }

private:
    std::string dir_;
    bool mounted_ = false;
    std::string error_;
};

template <class Backend>
class FullDiskTest : public ::testing::Test {};

using Backends = ::testing::Types<FsBackend, FsQuickBackend, SqliteBackend, GitBackend>;
TYPED_TEST_SUITE(FullDiskTest, Backends, BackendNames);

TYPED_TEST(FullDiskTest, WriteFailsTypedAndKeepsOldContent) {
    TempDir dir;
    SmallDisk disk(dir.path());
    if (!disk.mounted())
        GTEST_SKIP() << "cannot mount a 4 MiB tmpfs here (" << disk.error()
                     << "); the full-disk test needs root or CAP_SYS_ADMIN";
    // Random bytes do not compress: git's zlib cannot make them fit either.
    std::string big(8 * 1024 * 1024, '\0');
    std::mt19937_64 rng(42);
    for (auto& c : big)
        c = static_cast<char>(rng());
    {
        auto store = TypeParam::open(disk.path());
        ASSERT_TRUE(store) << store.error().message;
        auto old = put(**store, "/doc", "old content");
        ASSERT_TRUE(old) << old.error().message;

        auto replaced = put(**store, "/doc", big);
        ASSERT_FALSE(replaced);
        EXPECT_EQ(replaced.error().code, Errc::insufficient_storage) << replaced.error().message;
        auto created = put(**store, "/new", big);
        ASSERT_FALSE(created);
        EXPECT_EQ(created.error().code, Errc::insufficient_storage) << created.error().message;

        EXPECT_EQ(*get(**store, "/doc"), "old content");
        EXPECT_EQ((*store)->stat("/doc")->etag, old->etag);
        EXPECT_EQ((*store)->stat("/new").error().code, Errc::not_found);
        // Once the large write has failed, the space it took is free again.
        auto small = put(**store, "/after", "fits");
        EXPECT_TRUE(small) << small.error().message;
    }
    auto reopened = TypeParam::open(disk.path());
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ(*get(**reopened, "/doc"), "old content");
    EXPECT_EQ(TypeParam::integrity(disk.path()), "");
}

} // namespace
} // namespace quire::storage::testing
