// What real clients send, replayed over a socket on every backend: the request sequences of
// Windows' WebDAV redirector and macOS Finder, with the habits docs/clients.md describes
// (Win32 times in PROPPATCH, a collection named without its slash, chunked PUTs with
// X-Expected-Entity-Length, a LOCK around every write).
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace quire::test {
namespace {

class ClientSessionTest : public DavTest {};

constexpr const char* win_agent = "User-Agent: Microsoft-WebDAV-MiniRedir/10.0.19045\r\n";

// Windows Explorer: "New > Text Document", type into it, rename it. The redirector makes an
// empty file, locks it, stamps its Win32 times, writes it under the lock, unlocks, renames.
TEST_P(ClientSessionTest, WindowsRedirectorCreatesWritesAndRenamesADocument) {
    const std::string h = std::string(win_agent) + "translate: f\r\n";
    EXPECT_EQ(call("OPTIONS", "/dav/", {}, h).headers["dav"], "1, 2, 3");
    ASSERT_EQ(call("MKCOL", "/dav/Docs").status, 201);
    // The collection named without its slash, Depth 1, no body (allprop).
    auto listing = call("PROPFIND", "/dav/Docs", {}, h + "Depth: 1\r\nContent-Length: 0\r\n");
    ASSERT_EQ(listing.status, 207);
    EXPECT_NE(listing.body.find("<D:href>/dav/Docs/</D:href>"), std::string::npos) << listing.body;
    EXPECT_NE(listing.body.find("<D:collection/>"), std::string::npos);

    const std::string doc = "/dav/Docs/New%20Text%20Document.txt";
    ASSERT_EQ(call("PUT", doc, "", h).status, 201);
    auto lock = call("LOCK", doc,
                     "<?xml version=\"1.0\" encoding=\"utf-8\" ?><D:lockinfo xmlns:D=\"DAV:\">"
                     "<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/>"
                     "</D:locktype><D:owner><D:href>WORKGROUP\\alice</D:href></D:owner>"
                     "</D:lockinfo>",
                     h + "Timeout: Second-3600\r\n");
    ASSERT_EQ(lock.status, 200);
    const std::string token = lock.headers["lock-token"];
    ASSERT_FALSE(token.empty());
    const std::string with_lock = h + "If: (" + token + ")\r\n";
    auto times =
        call("PROPPATCH", doc,
             "<?xml version=\"1.0\" encoding=\"utf-8\" ?><D:propertyupdate xmlns:D=\"DAV:\" "
             "xmlns:Z=\"urn:schemas-microsoft-com:\"><D:set><D:prop>"
             "<Z:Win32CreationTime>Mon, 23 Nov 2026 10:00:00 GMT</Z:Win32CreationTime>"
             "<Z:Win32LastAccessTime>Mon, 23 Nov 2026 10:00:01 GMT</Z:Win32LastAccessTime>"
             "<Z:Win32LastModifiedTime>Mon, 23 Nov 2026 10:00:02 GMT</Z:Win32LastModifiedTime>"
             "<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>"
             "</D:prop></D:set></D:propertyupdate>",
             with_lock);
    ASSERT_EQ(times.status, 207);
    EXPECT_EQ(times.body.find("HTTP/1.1 4"), std::string::npos) << times.body;
    EXPECT_EQ(call("PUT", doc, "meeting notes", with_lock).status, 204);
    EXPECT_EQ(call("PUT", doc, "someone else", h).status, 423);
    EXPECT_EQ(call("UNLOCK", doc, {}, h + "Lock-Token: " + token + "\r\n").status, 204);

    auto renamed = call("MOVE", doc, {},
                        h + "Destination: http://127.0.0.1/dav/Docs/notes.txt\r\nOverwrite: F\r\n");
    ASSERT_EQ(renamed.status, 201);
    EXPECT_EQ(call("GET", "/dav/Docs/notes.txt").body, "meeting notes");
    EXPECT_EQ(call("GET", doc).status, 404);
    // The Win32 times went along, in their namespace, in an allprop listing.
    auto after = call("PROPFIND", "/dav/Docs", {}, h + "Depth: 1\r\nContent-Length: 0\r\n");
    ASSERT_EQ(after.status, 207);
    EXPECT_NE(after.body.find("urn:schemas-microsoft-com:"), std::string::npos) << after.body;
    EXPECT_NE(after.body.find("Mon, 23 Nov 2026 10:00:02 GMT"), std::string::npos) << after.body;
    EXPECT_NE(after.body.find("00000020"), std::string::npos);
}

// Finder: copies a file in with a chunked PUT that announces its size in
// X-Expected-Entity-Length, under a LOCK it refreshes, with its ._ AppleDouble companion.
TEST_P(ClientSessionTest, FinderCopiesAFileInWithChunkedPutsUnderALock) {
    const std::string agent = "User-Agent: WebDAVFS/3.0.0 (03008000) Darwin/22.1.0 (arm64)\r\n";
    auto root = call("PROPFIND", "/dav/",
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:propfind xmlns:D=\"DAV:\">"
                     "<D:prop><D:getlastmodified/><D:getcontentlength/><D:creationdate/>"
                     "<D:resourcetype/><D:quota-available-bytes/><D:quota-used-bytes/>"
                     "</D:prop></D:propfind>",
                     agent + "Depth: 0\r\nContent-Type: text/xml\r\n");
    ASSERT_EQ(root.status, 207);
    EXPECT_NE(root.body.find("<D:quota-available-bytes>"), std::string::npos) << root.body;

    ASSERT_EQ(call("PUT", "/dav/photo.jpg", "", agent).status, 201);
    auto lock = call("LOCK", "/dav/photo.jpg", lockinfo, agent + "Timeout: Second-600\r\n");
    ASSERT_EQ(lock.status, 200);
    const std::string token = lock.headers["lock-token"];
    ASSERT_FALSE(token.empty());
    // The refresh: no body, the token in If (RFC 4918 section 9.10.2).
    auto refresh = call("LOCK", "/dav/photo.jpg", {},
                        agent + "Timeout: Second-600\r\nIf: (" + token + ")\r\n");
    EXPECT_EQ(refresh.status, 200);
    EXPECT_NE(refresh.body.find("Second-"), std::string::npos) << refresh.body;

    const std::string first = std::string(3000, 'a');
    const std::string second = std::string(1096, 'b');
    auto put = raw("PUT /dav/photo.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n" + agent + "If: (" + token +
                   ")\r\nContent-Type: image/jpeg\r\n"
                   "X-Expected-Entity-Length: 4096\r\nTransfer-Encoding: chunked\r\n"
                   "Connection: close\r\n\r\n"
                   "bb8\r\n" +
                   first + "\r\n448\r\n" + second + "\r\n0\r\n\r\n");
    EXPECT_EQ(put.status, 204);
    const std::string apple_double("\x00\x05\x16\x07", 4); // AppleDouble's magic number
    auto side = raw("PUT /dav/._photo.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n" + agent +
                    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n" + apple_double +
                    "\r\n0\r\n\r\n");
    EXPECT_EQ(side.status, 201);
    EXPECT_EQ(call("UNLOCK", "/dav/photo.jpg", {}, agent + "Lock-Token: " + token + "\r\n").status,
              204);

    auto got = call("GET", "/dav/photo.jpg");
    EXPECT_EQ(got.body, first + second);
    EXPECT_EQ(got.headers["content-type"], "image/jpeg");
    EXPECT_EQ(call("GET", "/dav/._photo.jpg").body, apple_double);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClientSessionTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
