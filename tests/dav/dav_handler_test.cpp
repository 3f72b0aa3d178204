// The WebDAV handler over real sockets and real stores (fs, sqlite, git), for what litmus
// does not check: finite depth, XML errors, sync-collection, quota, streaming of Depth
// infinity, locks surviving a restart, and the principal reaching git as the author.
#include "dav_fixture.hpp"
#include "storage/git/git_store.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fcntl.h>
#include <mutex>
#include <regex>
#include <thread>

namespace quire::test {
namespace {
TEST_P(DavTest, OptionsAnnouncesClassesOneTwoThree) {
    auto r = call("OPTIONS", "/dav/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["dav"], "1, 2, 3");
    EXPECT_NE(r.headers["allow"].find("PROPFIND"), std::string::npos);
}

TEST_P(DavTest, PutGetAndPropfindOfAFile) {
    EXPECT_EQ(call("PUT", "/dav/a.txt", "hello").status, 201);
    EXPECT_EQ(call("PUT", "/dav/a.txt", "hello again").status, 204);
    auto g = call("GET", "/dav/a.txt");
    EXPECT_EQ(g.status, 200);
    EXPECT_EQ(g.body, "hello again");
    auto ranged = call("GET", "/dav/a.txt", {}, "Range: bytes=6-10\r\n");
    EXPECT_EQ(ranged.status, 206);
    EXPECT_EQ(ranged.body, "again");
    auto p = call("PROPFIND", "/dav/a.txt", {}, "Depth: 0\r\n");
    EXPECT_EQ(p.status, 207);
    EXPECT_NE(p.body.find("<D:getcontentlength>11</D:getcontentlength>"), std::string::npos);
    EXPECT_NE(p.body.find("<D:href>/dav/a.txt</D:href>"), std::string::npos);
    // RFC 4918 section 15.1: creationdate is an RFC 3339 date-time.
    EXPECT_TRUE(std::regex_search(
        p.body, std::regex("<D:creationdate>[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:"
                           "[0-6][0-9]Z</D:creationdate>")))
        << p.body;
    EXPECT_EQ(call("PUT", "/dav/missing/a.txt", "x").status, 409);
    // RFC 9110 section 14.4: a partial PUT is refused, and the content stays as it was.
    EXPECT_EQ(call("PUT", "/dav/a.txt", "XX", "Content-Range: bytes 0-1/11\r\n").status, 400);
    EXPECT_EQ(call("GET", "/dav/a.txt").body, "hello again");
}

// A PUT onto a collection is 405 whether the handler looks at the target first (an If-Match
// or a lock asks it to) or leaves the look to the store (the plain PUT); the collection stays.
TEST_P(DavTest, PutOntoACollectionIsRefusedWithOrWithoutPreconditions) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    ASSERT_EQ(call("PUT", "/dav/c/inside.txt", "x").status, 201);
    EXPECT_EQ(call("PUT", "/dav/c", "plain").status, 405);
    EXPECT_EQ(call("PUT", "/dav/c", "conditional", "If-Match: *\r\n").status, 405);
    EXPECT_EQ(call("PUT", "/dav/c/", "slash").status, 405);
    auto p = call("PROPFIND", "/dav/c", {}, "Depth: 1\r\n");
    EXPECT_EQ(p.status, 207);
    EXPECT_NE(p.body.find("<D:collection/>"), std::string::npos) << p.body;
    EXPECT_EQ(call("GET", "/dav/c/inside.txt").body, "x");
    // A precondition that fails on a missing target is 412, not a create.
    EXPECT_EQ(call("PUT", "/dav/new.txt", "x", "If-Match: \"nope\"\r\n").status, 412);
    EXPECT_EQ(call("GET", "/dav/new.txt").status, 404);
}

// A missing source is 404 before any If header or lock is weighed (the handler looks at the
// source only when one of them refuses), and a rename within a folder still lands.
TEST_P(DavTest, MoveOfAMissingSourceIs404EvenWhenAnIfHeaderFails) {
    const std::string dest = "Destination: http://127.0.0.1/dav/b.txt\r\n";
    EXPECT_EQ(call("MOVE", "/dav/none.txt", {}, dest).status, 404);
    EXPECT_EQ(call("MOVE", "/dav/none.txt", {}, dest + "If: (<urn:uuid:nope>)\r\n").status, 404);
    EXPECT_EQ(call("COPY", "/dav/none.txt", {}, dest + "If: ([\"nope\"])\r\n").status, 404);
    ASSERT_EQ(call("PUT", "/dav/a.txt", "moved").status, 201);
    EXPECT_EQ(call("MOVE", "/dav/a.txt", {}, dest + "If: (<urn:uuid:nope>)\r\n").status, 412);
    EXPECT_EQ(call("MOVE", "/dav/a.txt", {}, dest).status, 201);
    EXPECT_EQ(call("GET", "/dav/b.txt").body, "moved");
    EXPECT_EQ(call("GET", "/dav/a.txt").status, 404);
    const std::string away = "Destination: http://127.0.0.1/dav/no/such/dir.txt\r\n";
    EXPECT_EQ(call("MOVE", "/dav/b.txt", {}, away).status, 409);
}

// RFC 9110 section 15.3.2: what a COPY or MOVE creates is the Destination, so its 201 names it
// in Location (percent-encoded, like the hrefs of a multistatus); a 204 created nothing new.
// MOVE is tried both unlocked (answered at once on fs_quick) and with a lock elsewhere in the
// share (the blocking pool's way).
TEST_P(DavTest, CopyAndMoveNameWhatTheyCreatedInLocation) {
    ASSERT_EQ(call("PUT", "/dav/src.txt", "body").status, 201);
    auto copied = call("COPY", "/dav/src.txt", {}, "Destination: /dav/b%20c.txt\r\n");
    ASSERT_EQ(copied.status, 201);
    EXPECT_EQ(copied.headers["location"], "/dav/b%20c.txt");
    auto again = call("COPY", "/dav/src.txt", {}, "Destination: /dav/b%20c.txt\r\n");
    ASSERT_EQ(again.status, 204);
    EXPECT_EQ(again.headers.count("location"), 0u);

    auto moved = call("MOVE", "/dav/src.txt", {}, "Destination: http://127.0.0.1/dav/m.txt\r\n");
    ASSERT_EQ(moved.status, 201);
    EXPECT_EQ(moved.headers["location"], "/dav/m.txt");

    ASSERT_EQ(call("MKCOL", "/dav/col/").status, 201);
    ASSERT_EQ(call("PUT", "/dav/locked.txt", "l").status, 201);
    const std::string lock_body = "<?xml version=\"1.0\"?><D:lockinfo xmlns:D=\"DAV:\">"
                                  "<D:lockscope><D:exclusive/></D:lockscope>"
                                  "<D:locktype><D:write/></D:locktype></D:lockinfo>";
    ASSERT_EQ(call("LOCK", "/dav/locked.txt", lock_body).status, 200);
    auto into = call("MOVE", "/dav/m.txt", {}, "Destination: /dav/col/m.txt\r\n");
    ASSERT_EQ(into.status, 201);
    EXPECT_EQ(into.headers["location"], "/dav/col/m.txt");
    auto folder = call("MOVE", "/dav/col/", {}, "Destination: /dav/col2/\r\n");
    ASSERT_EQ(folder.status, 201);
    EXPECT_EQ(folder.headers["location"], "/dav/col2/");
}

// refuse_macos_metadata: Finder's AppleDouble files (._name) and .DS_Store are refused (403)
// whichever way they would arrive: made at the target, or copied or moved onto such a name.
// Reading and deleting those already there stay allowed (a share can be cleaned).
TEST_P(DavTest, RefusedMacOsMetadataComesInByNoMethod) {
    ASSERT_EQ(call("PUT", "/dav/._old.txt", "x").status, 201); // before the option: a file
    refuse_macos_metadata_ = true;
    start();
    EXPECT_EQ(call("PUT", "/dav/._a.txt", "x").status, 403);
    EXPECT_EQ(call("PUT", "/dav/.DS_Store", "x").status, 403);
    EXPECT_EQ(call("MKCOL", "/dav/._dir/").status, 403);
    EXPECT_EQ(call("LOCK", "/dav/._b.txt", lockinfo).status, 403);
    ASSERT_EQ(call("PUT", "/dav/a.txt", "x").status, 201);
    EXPECT_EQ(call("COPY", "/dav/a.txt", {}, "Destination: /dav/._a.txt\r\n").status, 403);
    EXPECT_EQ(
        call("MOVE", "/dav/a.txt", {}, "Destination: http://127.0.0.1/dav/.DS_Store\r\n").status,
        403);
    EXPECT_EQ(call("GET", "/dav/a.txt").status, 200); // the MOVE left it
    for (const char* made : {"/dav/._a.txt", "/dav/.DS_Store", "/dav/._dir/", "/dav/._b.txt"})
        EXPECT_EQ(call("GET", made).status, 404) << made;
    // No properties on one either, not even on one that was there before.
    const std::string patch = "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set>"
                              "<D:prop><Z:a>1</Z:a></D:prop></D:set></D:propertyupdate>";
    EXPECT_EQ(call("PROPPATCH", "/dav/._old.txt", patch).status, 403);
    const auto props = call("PROPFIND", "/dav/._old.txt",
                            "<D:propfind xmlns:D=\"DAV:\"><D:prop><Z:a xmlns:Z=\"urn:z\"/>"
                            "</D:prop></D:propfind>",
                            "Depth: 0\r\n");
    EXPECT_EQ(props.status, 207);
    EXPECT_NE(props.body.find("404 Not Found"), std::string::npos) << props.body;
    // What was there before: readable, movable to an ordinary name, deletable.
    EXPECT_EQ(call("GET", "/dav/._old.txt").body, "x");
    EXPECT_EQ(call("COPY", "/dav/._old.txt", {}, "Destination: /dav/kept.txt\r\n").status, 201);
    EXPECT_EQ(call("DELETE", "/dav/._old.txt").status, 204);
    EXPECT_EQ(call("PUT", "/dav/ordinary._name", "y").status, 201); // only a leading "._"
}

// A document answered again from the worker's GetAnswers (fs) must change with every write
// and keep answering preconditions and ranges; on sqlite and git the same requests take the
// whole way and must give the same answers.
TEST_P(DavTest, RepeatedGetsFollowEveryWrite) {
    ASSERT_EQ(call("PUT", "/dav/g.txt", "first", "Content-Type: text/plain\r\n").status, 201);
    std::string etag;
    for (int i = 0; i < 3; ++i) {
        auto g = call("GET", "/dav/g.txt");
        ASSERT_EQ(g.status, 200);
        EXPECT_EQ(g.body, "first");
        EXPECT_EQ(g.headers["content-type"], "text/plain");
        EXPECT_EQ(g.headers["accept-ranges"], "bytes");
        EXPECT_FALSE(g.headers["last-modified"].empty());
        if (i == 0) {
            etag = g.headers["etag"];
        }
        EXPECT_EQ(g.headers["etag"], etag);
    }
    EXPECT_EQ(call("GET", "/dav/g.txt", {}, "If-None-Match: " + etag + "\r\n").status, 304);
    auto part = call("GET", "/dav/g.txt", {}, "Range: bytes=1-3\r\n");
    EXPECT_EQ(part.status, 206);
    EXPECT_EQ(part.body, "irs");
    auto head = call("HEAD", "/dav/g.txt");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers["content-length"], "5");

    ASSERT_EQ(call("PUT", "/dav/g.txt", "second!", "Content-Type: text/x-other\r\n").status, 204);
    auto after = call("GET", "/dav/g.txt");
    EXPECT_EQ(after.body, "second!");
    EXPECT_EQ(after.headers["content-type"], "text/x-other");
    EXPECT_NE(after.headers["etag"], etag);
    EXPECT_EQ(call("GET", "/dav/g.txt", {}, "If-None-Match: " + etag + "\r\n").status, 200);

    ASSERT_EQ(call("MOVE", "/dav/g.txt", {}, "Destination: http://127.0.0.1/dav/h.txt\r\n").status,
              201);
    EXPECT_EQ(call("GET", "/dav/g.txt").status, 404);
    EXPECT_EQ(call("GET", "/dav/h.txt").body, "second!");
    ASSERT_EQ(call("DELETE", "/dav/h.txt").status, 204);
    EXPECT_EQ(call("GET", "/dav/h.txt").status, 404);
}

// A body too large for the stores' memory caches (sqlite and git read it into memory on a
// thread, fs sends the file): whole and ranged GETs give its exact bytes.
TEST_P(DavTest, LargerBodiesComeBackWholeAndInRanges) {
    std::string big;
    for (int i = 0; big.size() < 100 * 1024; ++i) {
        big += std::to_string(i) + ",";
    }
    EXPECT_EQ(call("PUT", "/dav/big.txt", big).status, 201);
    for (int i = 0; i < 2; ++i) { // the second GET may be answered from a cache
        auto whole = call("GET", "/dav/big.txt");
        EXPECT_EQ(whole.status, 200);
        EXPECT_EQ(whole.body, big);
        auto ranged = call("GET", "/dav/big.txt", {}, "Range: bytes=50000-50099\r\n");
        EXPECT_EQ(ranged.status, 206);
        EXPECT_EQ(ranged.body, big.substr(50000, 100));
    }
}

TEST_P(DavTest, DepthInfinityRefusedWhenConfigured) {
    start(false);
    auto r = call("PROPFIND", "/dav/", {}, "Depth: infinity\r\n");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("<D:propfind-finite-depth/>"), std::string::npos);
    EXPECT_EQ(call("PROPFIND", "/dav/", {}, "Depth: 1\r\n").status, 207);
}

TEST_P(DavTest, DepthInfinityStreamsEveryMember) {
    for (int i = 0; i < 5; ++i) {
        const auto c = "/dav/c" + std::to_string(i);
        ASSERT_EQ(call("MKCOL", c).status, 201);
        for (int j = 0; j < 20; ++j) {
            ASSERT_EQ(call("PUT", c + "/f" + std::to_string(j), "x").status, 201);
        }
    }
    auto r = call("PROPFIND", "/dav/", {}, "Depth: infinity\r\n");
    EXPECT_EQ(r.status, 207);
    EXPECT_EQ(count(r.body, "<D:response>"), 1 + 5 + 100);
    EXPECT_NE(r.body.find("</D:multistatus>"), std::string::npos);
}

TEST_P(DavTest, MalformedXmlIs400WithAReason) {
    auto r = call("PROPFIND", "/dav/", "<D:propfind xmlns:D=\"DAV:\"><D:prop>", "Depth: 0\r\n");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("malformed XML"), std::string::npos);
    auto ns = call("PROPFIND", "/dav/",
                   "<D:propfind xmlns:D=\"DAV:\"><D:prop><b:x xmlns:b=\"\"/></D:prop></D:propfind>",
                   "Depth: 0\r\n");
    EXPECT_EQ(ns.status, 400);
    EXPECT_NE(ns.body.find("empty URI"), std::string::npos);
    auto dtd = call("PROPPATCH", "/dav/",
                    "<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]><D:propertyupdate xmlns:D=\"DAV:\">"
                    "<D:set><D:prop><x>&a;</x></D:prop></D:set></D:propertyupdate>");
    EXPECT_EQ(dtd.status, 400);
    EXPECT_NE(dtd.body.find("DOCTYPE"), std::string::npos);
    // Found by fuzz_dav_xml_body: what pugixml lets through but could never be sent back.
    const std::string head = "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>";
    const std::string tail = "</D:prop></D:set></D:propertyupdate>";
    auto name = call("PROPPATCH", "/dav/", head + "<a:b:c xmlns:a=\"urn:a\"/>" + tail);
    EXPECT_EQ(name.status, 400);
    EXPECT_NE(name.body.find("invalid element name"), std::string::npos) << name.body;
    auto utf8 = call("PROPPATCH", "/dav/", head + "<x>\xff</x>" + tail);
    EXPECT_EQ(utf8.status, 400);
    EXPECT_NE(utf8.body.find("UTF-8"), std::string::npos) << utf8.body;
    auto control = call("PROPPATCH", "/dav/", head + "<x>&#1;</x>" + tail);
    EXPECT_EQ(control.status, 400);
    EXPECT_NE(control.body.find("control character"), std::string::npos) << control.body;
    // xml:lang travels with the value in a <?lang ...?> marker: it must be a language tag.
    auto lang = call("PROPPATCH", "/dav/", head + "<x xml:lang=\"en?&gt;y\">v</x>" + tail);
    EXPECT_EQ(lang.status, 400);
    EXPECT_NE(lang.body.find("not a language tag"), std::string::npos) << lang.body;
    // A raw '<' in an attribute value is not XML at all (XML 1.0 section 3.1).
    auto lt = call("PROPPATCH", "/dav/", head + "<x xml:lang=\"en?><y\">v</x>" + tail);
    EXPECT_EQ(lt.status, 400);
    EXPECT_NE(lt.body.find("attribute"), std::string::npos) << lt.body;
    auto tagged = call("PROPPATCH", "/dav/", head + "<x xml:lang=\"en-GB\">colour</x>" + tail);
    EXPECT_EQ(tagged.status, 207) << tagged.body;
    auto big = call("PROPFIND", "/dav/", std::string(5000, ' '), "Depth: 0\r\n");
    EXPECT_EQ(big.status, 413);
}

TEST_P(DavTest, ProppatchIsAllOrNothing) {
    ASSERT_EQ(call("PUT", "/dav/p.txt", "x").status, 201);
    auto r = call("PROPPATCH", "/dav/p.txt",
                  "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                  "<Z:a>1</Z:a><D:getetag>x</D:getetag></D:prop></D:set></D:propertyupdate>");
    EXPECT_EQ(r.status, 207);
    EXPECT_NE(r.body.find("403 Forbidden"), std::string::npos);
    EXPECT_NE(r.body.find("424 Failed Dependency"), std::string::npos);
    auto p = call("PROPFIND", "/dav/p.txt",
                  "<D:propfind xmlns:D=\"DAV:\"><D:prop><Z:a xmlns:Z=\"urn:z\"/></D:prop>"
                  "</D:propfind>",
                  "Depth: 0\r\n");
    EXPECT_NE(p.body.find("404 Not Found"), std::string::npos) << p.body;

    auto ok = call("PROPPATCH", "/dav/p.txt",
                   "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                   "<Z:a xml:lang=\"fr\">un <Z:b>deux</Z:b></Z:a></D:prop></D:set>"
                   "</D:propertyupdate>");
    EXPECT_EQ(ok.status, 207);
    EXPECT_NE(ok.body.find("200 OK"), std::string::npos);
    p = call("PROPFIND", "/dav/p.txt",
             "<D:propfind xmlns:D=\"DAV:\"><D:prop><Z:a xmlns:Z=\"urn:z\"/></D:prop></D:propfind>",
             "Depth: 0\r\n");
    EXPECT_NE(p.body.find("xml:lang=\"fr\""), std::string::npos) << p.body;
    // The value comes back as it was sent, under the declarations it was sent under.
    EXPECT_NE(p.body.find("<Z:a xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\" xml:lang=\"fr\">un "
                          "<Z:b>deux</Z:b></Z:a>"),
              std::string::npos)
        << p.body;
}

TEST_P(DavTest, SyncCollectionReportsChangesSinceAToken) {
    ASSERT_EQ(call("MKCOL", "/dav/cal").status, 201);
    ASSERT_EQ(call("PUT", "/dav/cal/a", "a").status, 201);
    ASSERT_EQ(call("PUT", "/dav/cal/b", "b").status, 201);
    const std::string initial =
        "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token/><D:sync-level>1</D:sync-level>"
        "<D:prop><D:getetag/></D:prop></D:sync-collection>";
    auto first = call("REPORT", "/dav/cal/", initial, "Depth: 0\r\n");
    ASSERT_EQ(first.status, 207);
    EXPECT_EQ(count(first.body, "<D:response>"), 2);
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(first.body, m, std::regex("<D:sync-token>([^<]+)</D:sync-token>")));
    const std::string token = m[1];

    ASSERT_EQ(call("PUT", "/dav/cal/c", "c").status, 201);
    ASSERT_EQ(call("DELETE", "/dav/cal/a").status, 204);
    const std::string since = "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>" + token +
                              "</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/>"
                              "</D:prop></D:sync-collection>";
    auto second = call("REPORT", "/dav/cal/", since, "Depth: 0\r\n");
    ASSERT_EQ(second.status, 207);
    EXPECT_NE(second.body.find("<D:href>/dav/cal/c</D:href><D:propstat>"), std::string::npos)
        << second.body;
    EXPECT_NE(second.body.find("<D:href>/dav/cal/a</D:href><D:status>HTTP/1.1 404"),
              std::string::npos)
        << second.body;
    EXPECT_EQ(second.body.find("/dav/cal/b<"), std::string::npos);

    auto bad = call("REPORT", "/dav/cal/",
                    "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>http://nope/1"
                    "</D:sync-token><D:sync-level>1</D:sync-level><D:prop/></D:sync-collection>",
                    "Depth: 0\r\n");
    EXPECT_EQ(bad.status, 403);
    EXPECT_NE(bad.body.find("<D:valid-sync-token/>"), std::string::npos);

    auto limited = call("REPORT", "/dav/cal/",
                        "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token/><D:sync-level>1"
                        "</D:sync-level><D:limit><D:nresults>1</D:nresults></D:limit><D:prop/>"
                        "</D:sync-collection>",
                        "Depth: 0\r\n");
    EXPECT_EQ(limited.status, 507);
    EXPECT_NE(limited.body.find("number-of-matches-within-limits"), std::string::npos);
}

TEST_P(DavTest, QuotaPropertiesOnACollection) {
    ASSERT_EQ(call("MKCOL", "/dav/q").status, 201);
    ASSERT_EQ(call("PUT", "/dav/q/a", std::string(100, 'a')).status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/q/sub").status, 201);
    ASSERT_EQ(call("PUT", "/dav/q/sub/b", std::string(23, 'b')).status, 201);
    auto r = call("PROPFIND", "/dav/q/",
                  "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:quota-used-bytes/>"
                  "<D:quota-available-bytes/><D:sync-token/></D:prop></D:propfind>",
                  "Depth: 0\r\n");
    EXPECT_EQ(r.status, 207);
    EXPECT_NE(r.body.find("<D:quota-used-bytes>123</D:quota-used-bytes>"), std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("<D:quota-available-bytes>"), std::string::npos);
    EXPECT_NE(r.body.find("<D:sync-token>"), std::string::npos);
}

TEST_P(DavTest, LocksSurviveARestart) {
    ASSERT_EQ(call("PUT", "/dav/l.txt", "x").status, 201);
    auto lock = call("LOCK", "/dav/l.txt", lockinfo, "Timeout: Second-600\r\n");
    ASSERT_EQ(lock.status, 200);
    const auto token = lock.headers["lock-token"];
    ASSERT_FALSE(token.empty());
    start();
    auto denied = call("PUT", "/dav/l.txt", "y");
    EXPECT_EQ(denied.status, 423);
    EXPECT_NE(denied.body.find("lock-token-submitted"), std::string::npos);
    EXPECT_EQ(call("PUT", "/dav/l.txt", "y", "If: (" + token + ")\r\n").status, 204);
    EXPECT_EQ(call("UNLOCK", "/dav/l.txt", {}, "Lock-Token: " + token + "\r\n").status, 204);
    EXPECT_EQ(call("PUT", "/dav/l.txt", "z").status, 204);
}

// MOVEs of unlocked documents (answered at once on fs_quick) before and after a lock: the
// lock must still be enforced, and the moves around it must still be answered.
TEST_P(DavTest, MovesBeforeAndAfterALockRespectIt) {
    const std::string to_m2 = "Destination: http://127.0.0.1/dav/m2.txt\r\n";
    ASSERT_EQ(call("PUT", "/dav/m1.txt", "m").status, 201);
    ASSERT_EQ(call("PUT", "/dav/l.txt", "l").status, 201);
    EXPECT_EQ(call("MOVE", "/dav/m1.txt", {}, to_m2).status, 201);
    EXPECT_EQ(
        call("MOVE", "/dav/m2.txt", {}, "Destination: http://127.0.0.1/dav/m3.txt\r\n").status,
        201);
    auto lock = call("LOCK", "/dav/l.txt", lockinfo);
    ASSERT_EQ(lock.status, 200);
    const auto token = lock.headers["lock-token"];
    const std::string to_l2 = "Destination: http://127.0.0.1/dav/l2.txt\r\n";
    auto denied = call("MOVE", "/dav/l.txt", {}, to_l2);
    EXPECT_EQ(denied.status, 423);
    EXPECT_NE(denied.body.find("lock-token-submitted"), std::string::npos);
    EXPECT_EQ(call("MOVE", "/dav/m3.txt", {}, to_m2).status, 201);
    EXPECT_EQ(call("MOVE", "/dav/l.txt", {}, to_l2 + "If: (" + token + ")\r\n").status, 201);
    EXPECT_EQ(call("GET", "/dav/l2.txt").body, "l");
    EXPECT_EQ(call("GET", "/dav/m2.txt").body, "m");
}

// The same for PUT, which fs_quick also answers on the connection's thread when nothing is
// locked (try_put_now): a lock anywhere sends it through the lock checks.
TEST_P(DavTest, PutsBeforeAndAfterALockRespectIt) {
    ASSERT_EQ(call("PUT", "/dav/p.txt", "one").status, 201);
    EXPECT_EQ(call("PUT", "/dav/p.txt", "two").status, 204);
    auto lock = call("LOCK", "/dav/p.txt", lockinfo);
    ASSERT_EQ(lock.status, 200);
    const auto token = lock.headers["lock-token"];
    auto denied = call("PUT", "/dav/p.txt", "three");
    EXPECT_EQ(denied.status, 423);
    EXPECT_NE(denied.body.find("lock-token-submitted"), std::string::npos);
    EXPECT_EQ(call("PUT", "/dav/q.txt", "q").status, 201) << "an unlocked name beside it";
    EXPECT_EQ(call("PUT", "/dav/p.txt", "four", "If: (" + token + ")\r\n").status, 204);
    EXPECT_EQ(call("GET", "/dav/p.txt").body, "four");
    EXPECT_EQ(call("UNLOCK", "/dav/p.txt", {}, "Lock-Token: " + token + "\r\n").status, 204);
    EXPECT_EQ(call("PUT", "/dav/p.txt", "five").status, 204);
    EXPECT_EQ(call("GET", "/dav/p.txt").body, "five");
}

// On fs_quick a read after a write first folds the journal, under the writer lock, which
// another process may hold for long (held by hand here). It must wait on the blocking pool,
// not on the event loop that serves the worker's other connections.
TEST_P(DavTest, AReadWaitingForTheWriterLockLeavesOtherRequestsServed) {
    if (GetParam().rfind("fs", 0) != 0) {
        GTEST_SKIP() << "the fs store's writer lock";
    }
    ASSERT_EQ(call("PUT", "/dav/w.txt", "w", "Content-Type: text/plain\r\n").status, 201);
    storage::testing::WriterLockHolder other_process((dir_ / "share").string());
    ASSERT_TRUE(other_process.holding());
    std::mutex m;
    std::condition_variable cv;
    bool answered = false;
    bool watchdog_fired = false;
    // Only if the event loop is stuck: lets everything finish so that the test fails, not hangs.
    std::thread watchdog([&] {
        std::unique_lock lock(m);
        if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return answered; })) {
            watchdog_fired = true;
            other_process.release();
        }
    });
    Reply got;
    std::thread getter([&] { got = call("GET", "/dav/w.txt"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the GET goes first
    auto options = call("OPTIONS", "/dav/");
    {
        std::lock_guard lock(m);
        answered = true;
    }
    cv.notify_all();
    watchdog.join();
    EXPECT_EQ(options.status, 200);
    EXPECT_FALSE(watchdog_fired) << "OPTIONS was answered only after the writer lock was freed";
    other_process.release();
    getter.join();
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, "w");
    EXPECT_EQ(got.headers["content-type"], "text/plain");
}

TEST_P(DavTest, LockOnAnUnmappedUrlCreatesAnEmptyResource) {
    auto lock = call("LOCK", "/dav/new.txt", lockinfo);
    EXPECT_EQ(lock.status, 201);
    auto g = call("GET", "/dav/new.txt");
    EXPECT_EQ(g.status, 200);
    EXPECT_EQ(g.body, "");
    EXPECT_EQ(call("LOCK", "/dav/nowhere/new.txt", lockinfo).status, 409);
}

TEST_P(DavTest, DestinationOutsideTheMountIsRefused) {
    ASSERT_EQ(call("PUT", "/dav/m.txt", "x").status, 201);
    EXPECT_EQ(call("MOVE", "/dav/m.txt", {}, "Destination: /elsewhere/m.txt\r\n").status, 502);
    EXPECT_EQ(
        call("MOVE", "/dav/m.txt", {}, "Destination: http://other.example/dav/n.txt\r\n").status,
        502);
    EXPECT_EQ(call("MOVE", "/dav/m.txt", {}, "Destination: http://127.0.0.1/dav/n.txt\r\n").status,
              201);
    EXPECT_EQ(call("GET", "/dav/n.txt").body, "x");
}

TEST_P(DavTest, ThePrincipalIsTheGitAuthor) {
    if (GetParam() != "git") {
        GTEST_SKIP() << "only git keeps authors";
    }
    start(true, "alice");
    ASSERT_EQ(call("PUT", "/dav/by-alice.txt", "x").status, 201);
    server_.reset();
    auto store = storage::git::open((dir_ / "share.git").string(), {});
    ASSERT_TRUE(store);
    auto history = (*store)->history("/by-alice.txt");
    ASSERT_TRUE(history);
    ASSERT_FALSE(history->empty());
    EXPECT_EQ(history->front().author, "alice");
}

INSTANTIATE_TEST_SUITE_P(Backends, DavTest, ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
