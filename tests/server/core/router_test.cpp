#include "core/router.hpp"

#include <gtest/gtest.h>

namespace quire::core {
namespace {

std::vector<VirtualHost> hosts() {
    std::vector<VirtualHost> h(3);
    h[0].mounts = {Mount{"/", {}, {}}, Mount{"/dav", {}, {}}, Mount{"/dav/cal", {}, {}}};
    h[1].names = {"example.org", "www.example.org"};
    h[1].mounts = {Mount{"/", {}, {}}};
    h[2].names = {"*.example.org"};
    h[2].mounts = {Mount{"/wild", {}, {}}};
    return h;
}

TEST(RouterTest, PicksHostsByExactNameThenWildcardThenDefault) {
    Router r(hosts());
    EXPECT_EQ(&r.find_host("example.org"), &r.hosts()[1]);
    EXPECT_EQ(&r.find_host("www.example.org"), &r.hosts()[1]);
    EXPECT_EQ(&r.find_host("a.example.org"), &r.hosts()[2]);
    EXPECT_EQ(&r.find_host("a.b.example.org"), &r.hosts()[2]);
    EXPECT_EQ(&r.find_host("example.com"), &r.hosts()[0]);
    EXPECT_EQ(&r.find_host(""), &r.hosts()[0]);
}

// "example.org." (fully qualified, with the root's dot) is the same host as "example.org".
TEST(RouterTest, AHostWithItsTrailingDotIsTheSameHost) {
    Router r(hosts());
    EXPECT_EQ(&r.find_host("example.org."), &r.hosts()[1]);
    EXPECT_EQ(&r.find_host("a.example.org."), &r.hosts()[2]);
    EXPECT_EQ(&r.find_host("."), &r.hosts()[0]);
}

TEST(RouterTest, PicksTheLongestMountOnASegmentBoundary) {
    Router r(hosts());
    const auto& h = r.hosts()[0];
    EXPECT_EQ(Router::find_mount(h, "/dav/cal/x")->prefix, "/dav/cal");
    EXPECT_EQ(Router::find_mount(h, "/dav/cal")->prefix, "/dav/cal");
    EXPECT_EQ(Router::find_mount(h, "/dav/calendar")->prefix, "/dav");
    EXPECT_EQ(Router::find_mount(h, "/davx")->prefix, "/");
    EXPECT_EQ(Router::find_mount(r.hosts()[2], "/other"), nullptr);
}

} // namespace
} // namespace quire::core
