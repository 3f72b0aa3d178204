// The Destination header (RFC 4918 section 10.3): an absolute URI or an absolute path.
#include "dav/proto/fields.hpp"

#include <gtest/gtest.h>

namespace quire::dav {
namespace {

TEST(DavDestination, AnAbsoluteUriGivesSchemeAndHostInLowerCaseAndThePathAsSent) {
    auto d = parse_destination("  HTTP://Example.ORG:8080/Some/Path%20X  ");
    ASSERT_TRUE(d) << d.error();
    EXPECT_EQ(d->scheme, "http");
    EXPECT_EQ(d->authority, "example.org:8080");
    EXPECT_EQ(d->path, "/Some/Path%20X");
}

TEST(DavDestination, AQueryAndAFragmentAreCutOff) {
    EXPECT_EQ(parse_destination("http://h/a/b?x=1#f")->path, "/a/b");
    EXPECT_EQ(parse_destination("/a#f?x")->path, "/a");
    EXPECT_EQ(parse_destination("http://h")->path, "/");
}

TEST(DavDestination, AnAbsolutePathHasNoSchemeNorHost) {
    auto d = parse_destination("/dav/x.txt");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->scheme, "");
    EXPECT_EQ(d->authority, "");
    EXPECT_EQ(d->path, "/dav/x.txt");
}

TEST(DavDestination, WhatIsNeitherIsRefusedSayingWhy) {
    EXPECT_FALSE(parse_destination("   "));
    auto relative = parse_destination("dav/x.txt");
    ASSERT_FALSE(relative);
    EXPECT_NE(relative.error().find("dav/x.txt"), std::string::npos) << relative.error();
}

} // namespace
} // namespace quire::dav
