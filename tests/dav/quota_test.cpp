// A mount's fixed quota (RFC 4331): enforced on PUT and COPY with 507 and
// DAV:quota-not-exceeded, whatever the body's framing, and reported the same on every
// collection. On every backend.
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace quire::test {
namespace {

class DavQuotaTest : public DavTest {
protected:
    void SetUp() override {
        quota_ = 1000;
        start();
    }

    // {quota-available-bytes, quota-used-bytes} of a collection.
    std::pair<std::string, std::string> quota_of(const std::string& path) {
        auto p = call("PROPFIND", path,
                      "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop>"
                      "<D:quota-available-bytes/><D:quota-used-bytes/></D:prop></D:propfind>",
                      "Depth: 0\r\n");
        std::smatch a;
        std::smatch u;
        std::regex_search(p.body, a,
                          std::regex("<D:quota-available-bytes>(\\d+)</D:quota-available-bytes>"));
        std::regex_search(p.body, u, std::regex("<D:quota-used-bytes>(\\d+)</D:quota-used-bytes>"));
        return {a.empty() ? std::string() : a[1].str(), u.empty() ? std::string() : u[1].str()};
    }

    static constexpr const char* copy_to_c = "Destination: http://127.0.0.1/dav/c.bin\r\n";
};

TEST_P(DavQuotaTest, WritesBeyondTheQuotaAre507AndStoreNothing) {
    ASSERT_EQ(call("PUT", "/dav/a.bin", std::string(600, 'a')).status, 201);
    auto over = call("PUT", "/dav/b.bin", std::string(500, 'b'));
    EXPECT_EQ(over.status, 507);
    EXPECT_NE(over.body.find("quota-not-exceeded"), std::string::npos) << over.body;
    EXPECT_EQ(call("GET", "/dav/b.bin").status, 404);
    // Without a declared length the body is read first, then refused the same way.
    auto chunked = raw("PUT /dav/b.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: "
                       "chunked\r\nConnection: close\r\n\r\n1f4\r\n" +
                       std::string(500, 'b') + "\r\n0\r\n\r\n");
    EXPECT_EQ(chunked.status, 507);
    EXPECT_EQ(call("GET", "/dav/b.bin").status, 404);
    // Replacing counts what it frees: 600 bytes become 900.
    EXPECT_EQ(call("PUT", "/dav/a.bin", std::string(900, 'a')).status, 204);
    EXPECT_EQ(call("COPY", "/dav/a.bin", {}, copy_to_c).status, 507);
    EXPECT_EQ(call("GET", "/dav/c.bin").status, 404);
    EXPECT_EQ(call("PUT", "/dav/small.bin", std::string(100, 's')).status, 201);
    EXPECT_EQ(call("PUT", "/dav/one.bin", "1").status, 507);
    // Deleting frees room.
    EXPECT_EQ(call("DELETE", "/dav/a.bin").status, 204);
    EXPECT_EQ(call("COPY", "/dav/small.bin", {}, copy_to_c).status, 201);
    EXPECT_EQ(call("GET", "/dav/c.bin").body, std::string(100, 's'));
}

// A body of unknown length is refused once what arrived passes the quota, not at its end: a
// client cannot fill the disk far beyond the quota by never ending its chunks.
TEST_P(DavQuotaTest, AnEndlessChunkedBodyIsRefusedOnceItPassesTheQuota) {
    ASSERT_EQ(call("PUT", "/dav/a.bin", std::string(600, 'a')).status, 201);
    TestClient c(server_->port());
    ASSERT_TRUE(c.connected());
    c.send("PUT /dav/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(64 * 1024, 'z');
    for (int i = 0; i < 17; ++i) {
        c.send("10000\r\n" + chunk + "\r\n"); // 1 MiB and more: a piece the server writes
    }
    // No last chunk: the answer comes while the body is still open.
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 507);
    EXPECT_NE(r->body.find("quota-not-exceeded"), std::string::npos) << r->body;
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_EQ(call("GET", "/dav/big.bin").status, 404);
    EXPECT_EQ(quota_of("/dav/").second, "600");
    EXPECT_EQ(call("GET", "/dav/a.bin").body, std::string(600, 'a'));
}

// RFC 4331 section 3: what the share can still take is one figure, asked on any collection;
// what a collection uses is its own documents'.
TEST_P(DavQuotaTest, EveryCollectionReportsWhatTheShareCanStillTake) {
    ASSERT_EQ(call("MKCOL", "/dav/sub").status, 201);
    ASSERT_EQ(call("PUT", "/dav/a.bin", std::string(300, 'a')).status, 201);
    ASSERT_EQ(call("PUT", "/dav/sub/b.bin", std::string(200, 'b')).status, 201);
    EXPECT_EQ(quota_of("/dav/"), std::make_pair(std::string("500"), std::string("500")));
    EXPECT_EQ(quota_of("/dav/sub/"), std::make_pair(std::string("500"), std::string("200")));
    ASSERT_EQ(
        call("MOVE", "/dav/a.bin", {}, "Destination: http://127.0.0.1/dav/sub/b.bin\r\n").status,
        204);
    EXPECT_EQ(quota_of("/dav/"), std::make_pair(std::string("700"), std::string("300")));
}

INSTANTIATE_TEST_SUITE_P(Backends, DavQuotaTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
