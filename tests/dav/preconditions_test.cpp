// RFC 9110 section 13 preconditions on every WebDAV method (RFC 4918 section 8.1): a false
// If-Match, If-None-Match or If-Unmodified-Since means 412 and nothing changed, for COPY,
// MOVE, PROPPATCH, LOCK, MKCOL and PROPFIND as for PUT and DELETE; a true one lets the
// request through. On every backend.
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::test {
namespace {

class DavPreconditionTest : public DavTest {
protected:
    // A document with a dead property; returns its entity tag.
    std::string make_document() {
        EXPECT_EQ(call("PUT", "/dav/f.txt", "body").status, 201);
        EXPECT_EQ(call("PROPPATCH", "/dav/f.txt", proppatch("before")).status, 207);
        auto got = call("GET", "/dav/f.txt");
        EXPECT_FALSE(got.headers["etag"].empty());
        return got.headers["etag"];
    }

    static std::string proppatch(const std::string& value) {
        return "<?xml version=\"1.0\"?><D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\">"
               "<D:set><D:prop><Z:note>" +
               value + "</Z:note></D:prop></D:set></D:propertyupdate>";
    }

    std::string note() {
        auto p = call("PROPFIND", "/dav/f.txt",
                      "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\">"
                      "<D:prop><Z:note/></D:prop></D:propfind>",
                      "Depth: 0\r\n");
        // The answer picks its own prefix: <X:note xmlns:X="urn:z">value</X:note>.
        const auto open = p.body.find(":note xmlns");
        const auto close = p.body.find(":note>", open);
        if (open == std::string::npos || close == std::string::npos)
            return {};
        const auto start = p.body.find('>', open) + 1;
        return p.body.substr(start, p.body.rfind("</", close) - start);
    }

    static constexpr const char* dest = "Destination: http://127.0.0.1/dav/g.txt\r\n";
    static constexpr const char* wrong = "If-Match: \"not-the-tag\"\r\n";
};

TEST_P(DavPreconditionTest, AFalseIfMatchStopsEveryMethodAndChangesNothing) {
    make_document();
    auto move = call("MOVE", "/dav/f.txt", {}, std::string(dest) + wrong);
    EXPECT_EQ(move.status, 412);
    EXPECT_NE(move.body.find("If-Match"), std::string::npos) << move.body;
    EXPECT_EQ(call("COPY", "/dav/f.txt", {}, std::string(dest) + wrong).status, 412);
    EXPECT_EQ(call("GET", "/dav/g.txt").status, 404);
    EXPECT_EQ(call("GET", "/dav/f.txt").body, "body");

    EXPECT_EQ(call("PROPPATCH", "/dav/f.txt", proppatch("after"), wrong).status, 412);
    EXPECT_EQ(note(), "before");

    EXPECT_EQ(call("LOCK", "/dav/f.txt", lockinfo, wrong).status, 412);
    auto discovery = call("PROPFIND", "/dav/f.txt",
                          "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop>"
                          "<D:lockdiscovery/></D:prop></D:propfind>",
                          "Depth: 0\r\n");
    EXPECT_EQ(discovery.body.find("activelock"), std::string::npos) << discovery.body;

    EXPECT_EQ(call("PROPFIND", "/dav/f.txt", {}, std::string("Depth: 0\r\n") + wrong).status, 412);
    // On a free name If-Match fails too (RFC 9110 section 13.1.1): no collection is made.
    EXPECT_EQ(call("MKCOL", "/dav/c", {}, "If-Match: *\r\n").status, 412);
    EXPECT_EQ(call("PROPFIND", "/dav/c", {}, "Depth: 0\r\n").status, 404);
}

TEST_P(DavPreconditionTest, IfNoneMatchAndIfUnmodifiedSinceStopThemToo) {
    const std::string etag = make_document();
    auto exists = call("MOVE", "/dav/f.txt", {}, std::string(dest) + "If-None-Match: *\r\n");
    EXPECT_EQ(exists.status, 412);
    EXPECT_NE(exists.body.find("If-None-Match"), std::string::npos) << exists.body;
    EXPECT_EQ(call("COPY", "/dav/f.txt", {}, std::string(dest) + "If-None-Match: " + etag + "\r\n")
                  .status,
              412);
    auto old = call("MOVE", "/dav/f.txt", {},
                    std::string(dest) + "If-Unmodified-Since: Sun, 01 Jan 2001 00:00:00 GMT\r\n");
    EXPECT_EQ(old.status, 412);
    EXPECT_NE(old.body.find("If-Unmodified-Since"), std::string::npos) << old.body;
    EXPECT_EQ(call("PROPPATCH", "/dav/f.txt", proppatch("after"), "If-None-Match: *\r\n").status,
              412);
    EXPECT_EQ(note(), "before");
    EXPECT_EQ(call("GET", "/dav/g.txt").status, 404);
}

TEST_P(DavPreconditionTest, TruePreconditionsLetTheMethodsThrough) {
    const std::string etag = make_document();
    const std::string match = "If-Match: " + etag + "\r\n";
    EXPECT_EQ(call("PROPPATCH", "/dav/f.txt", proppatch("after"), match).status, 207);
    EXPECT_EQ(note(), "after");
    EXPECT_EQ(call("PROPFIND", "/dav/f.txt", {}, "Depth: 0\r\n" + match).status, 207);
    EXPECT_EQ(
        call("COPY", "/dav/f.txt", {},
             std::string(dest) + match + "If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n")
            .status,
        201);
    EXPECT_EQ(call("DELETE", "/dav/g.txt").status, 204);
    EXPECT_EQ(call("MOVE", "/dav/f.txt", {}, std::string(dest) + match).status, 201);
    EXPECT_EQ(call("GET", "/dav/g.txt").body, "body");
    // If-None-Match: * on a free name: the lock makes the resource (RFC 4918 section 9.10.4).
    EXPECT_EQ(call("LOCK", "/dav/new.txt", lockinfo, "If-None-Match: *\r\n").status, 201);
    EXPECT_EQ(call("MKCOL", "/dav/c", {}, "If-None-Match: *\r\n").status, 201);
}

// The 412 of PUT and DELETE names the field that failed (it said "If-Match or
// If-Unmodified-Since" for an If-None-Match too).
TEST_P(DavPreconditionTest, PutAndDeleteNameTheFieldThatFailed) {
    make_document();
    auto put = call("PUT", "/dav/f.txt", "new", "If-None-Match: *\r\n");
    EXPECT_EQ(put.status, 412);
    EXPECT_NE(put.body.find("If-None-Match"), std::string::npos) << put.body;
    auto del = call("DELETE", "/dav/f.txt", {}, wrong);
    EXPECT_EQ(del.status, 412);
    EXPECT_NE(del.body.find("If-Match"), std::string::npos) << del.body;
    EXPECT_EQ(call("GET", "/dav/f.txt").body, "body");
}

INSTANTIATE_TEST_SUITE_P(Backends, DavPreconditionTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
