// The per-worker cache of parsed PROPFIND bodies: exact bytes as the key, most recent kept.
#include "dav/parsed_bodies.hpp"

#include <gtest/gtest.h>

namespace quire::dav {
namespace {

std::shared_ptr<const PropfindRequest> parsed(std::string_view body) {
    auto r = parse_propfind(body);
    EXPECT_TRUE(r) << body;
    return std::make_shared<const PropfindRequest>(*r);
}

std::string body_asking_for(const std::string& name) {
    return "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:" + name + "/></D:prop></D:propfind>";
}

TEST(ParsedPropfindsTest, FindsOnlyTheSameBytes) {
    ParsedPropfinds cache;
    const std::string body = body_asking_for("getetag");
    EXPECT_FALSE(cache.find(body));
    cache.remember(body, parsed(body));
    auto hit = cache.find(body);
    ASSERT_TRUE(hit);
    ASSERT_EQ(hit->props.size(), 1u);
    EXPECT_EQ(hit->props[0].name, "getetag");
    // The same request spelt differently is another key (no parsing to compare).
    EXPECT_FALSE(cache.find(body + "\n"));
    EXPECT_FALSE(cache.find(""));
}

TEST(ParsedPropfindsTest, KeepsTheMostRecentlyUsedAndSkipsLargeBodies) {
    ParsedPropfinds cache;
    std::vector<std::string> bodies;
    for (std::size_t i = 0; i <= ParsedPropfinds::max_entries; ++i) {
        std::string name = "p"; // (not "p" + to_string: g++ 12 warns falsely, -Wrestrict)
        name += std::to_string(i);
        bodies.push_back(body_asking_for(name));
    }
    for (std::size_t i = 0; i < ParsedPropfinds::max_entries; ++i) {
        cache.remember(bodies[i], parsed(bodies[i]));
    }
    ASSERT_TRUE(cache.find(bodies[0])); // now the most recent: the next one to go is bodies[1]
    cache.remember(bodies.back(), parsed(bodies.back()));
    EXPECT_TRUE(cache.find(bodies[0]));
    EXPECT_FALSE(cache.find(bodies[1]));
    EXPECT_TRUE(cache.find(bodies.back()));

    const std::string large = "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:" +
                              std::string(ParsedPropfinds::max_body_bytes, 'x') +
                              "/></D:prop></D:propfind>";
    cache.remember(large, parsed(large));
    EXPECT_FALSE(cache.find(large));
}

} // namespace
} // namespace quire::dav
