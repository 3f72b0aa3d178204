// Edges of the WebDAV methods found by a black-box audit: Allow on every 405, DELETE's Depth
// on a document, a Destination that is no URI, PUT to a URL ending in '/', the lock timeout
// reported as granted, sync tokens as URIs with DAV:supported-report-set, names git cannot
// hold (git) and names no URL can reach (fs). On every backend.
#include "dav/proto/fields.hpp"
#include "dav/proto/requests.hpp"
#include "dav_fixture.hpp"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <fstream>
#include <regex>
#include <string>

namespace quire::test {
namespace {

class DavEdgeTest : public DavTest {
protected:
    std::string sync_token_of(const std::string& body) {
        std::smatch m;
        if (!std::regex_search(body, m, std::regex("<D:sync-token>([^<]+)</D:sync-token>")))
            return {};
        return m[1];
    }

    Reply sync(const std::string& token) {
        return call("REPORT", "/dav/c/",
                    "<?xml version=\"1.0\"?><D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>" +
                        token +
                        "</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/>"
                        "</D:prop></D:sync-collection>",
                    "Depth: 0\r\n");
    }

    static bool lists(const std::string& allow, const std::string& method) {
        return (", " + allow + ",").find(", " + method + ",") != std::string::npos;
    }
};

// A client the authentication phase lets only read (a read_only mount, a user among the
// readers) is offered only the reading methods, and no locking (class 2): macOS Finder mounts
// a share without class 2 read-only.
TEST_P(DavEdgeTest, AClientThatMayOnlyReadIsOfferedOnlyReads) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    EXPECT_EQ(call("OPTIONS", "/dav/c/").headers["dav"], "1, 2, 3");
    read_only_client_ = true;
    start();
    auto options = call("OPTIONS", "/dav/c/");
    EXPECT_EQ(options.headers["allow"], "OPTIONS, GET, HEAD, PROPFIND, REPORT");
    EXPECT_EQ(options.headers["dav"], "1, 3");
    auto post = call("POST", "/dav/c/", "x");
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(post.headers["allow"], "OPTIONS, GET, HEAD, PROPFIND, REPORT");
    EXPECT_EQ(call("POST", "/dav/none", "x").headers["allow"], "OPTIONS");
}

// RFC 9110 section 15.5.6: every 405 names what the target takes.
TEST_P(DavEdgeTest, Every405SaysWhatTheTargetAllows) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    ASSERT_EQ(call("PUT", "/dav/d.txt", "x").status, 201);
    auto on_collection = call("MKCOL", "/dav/c");
    EXPECT_EQ(on_collection.status, 405);
    const auto& allow = on_collection.headers["allow"];
    EXPECT_TRUE(lists(allow, "PROPFIND")) << allow;
    EXPECT_TRUE(lists(allow, "REPORT")) << allow;
    EXPECT_FALSE(lists(allow, "MKCOL")) << allow;
    EXPECT_FALSE(lists(allow, "PUT")) << allow;
    auto put_on_collection = call("PUT", "/dav/c", "x");
    EXPECT_EQ(put_on_collection.status, 405);
    EXPECT_EQ(put_on_collection.headers["allow"], allow);
    auto on_document = call("MKCOL", "/dav/d.txt");
    EXPECT_EQ(on_document.status, 405);
    EXPECT_TRUE(lists(on_document.headers["allow"], "PUT")) << on_document.headers["allow"];
    EXPECT_FALSE(lists(on_document.headers["allow"], "MKCOL")) << on_document.headers["allow"];
    auto post = call("POST", "/dav/none.txt", "x");
    EXPECT_EQ(post.status, 405);
    EXPECT_TRUE(lists(post.headers["allow"], "MKCOL")) << post.headers["allow"];
    EXPECT_FALSE(lists(post.headers["allow"], "GET")) << post.headers["allow"];
}

// RFC 4918 section 9.6.1: only a collection's DELETE is bound to Depth: infinity.
TEST_P(DavEdgeTest, DeleteTakesAnyDepthOnADocumentAndOnlyInfinityOnACollection) {
    ASSERT_EQ(call("PUT", "/dav/d.txt", "x").status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    EXPECT_EQ(call("DELETE", "/dav/d.txt", {}, "Depth: 0\r\n").status, 204);
    EXPECT_EQ(call("GET", "/dav/d.txt").status, 404);
    EXPECT_EQ(call("DELETE", "/dav/c", {}, "Depth: 0\r\n").status, 400);
    EXPECT_EQ(call("PROPFIND", "/dav/c", {}, "Depth: 0\r\n").status, 207);
    EXPECT_EQ(call("DELETE", "/dav/c", {}, "Depth: infinity\r\n").status, 204);
    EXPECT_EQ(call("DELETE", "/dav/x", {}, "Depth: 2\r\n").status, 400);
}

TEST_P(DavEdgeTest, ADestinationThatIsNoUriIs400AndAnotherServerIs502) {
    ASSERT_EQ(call("PUT", "/dav/d.txt", "x").status, 201);
    auto bad = call("MOVE", "/dav/d.txt", {}, "Destination: ::::\r\n");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("Destination"), std::string::npos) << bad.body;
    EXPECT_EQ(
        call("COPY", "/dav/d.txt", {}, "Destination: http://elsewhere.example/dav/e\r\n").status,
        502);
    EXPECT_EQ(call("GET", "/dav/d.txt").body, "x");
}

// RFC 4918 section 5.2: a URL ending in '/' names a collection; PUT makes none.
TEST_P(DavEdgeTest, PutToAUrlEndingInASlashMakesNoDocument) {
    EXPECT_EQ(call("PUT", "/dav/x/", "x").status, 409);
    EXPECT_EQ(call("GET", "/dav/x").status, 404);
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    EXPECT_EQ(call("PUT", "/dav/c/", "x").status, 405);
    // And a document is not found at its URL with a '/' (the cached answer neither).
    ASSERT_EQ(call("PUT", "/dav/d.txt", "d").status, 201);
    EXPECT_EQ(call("GET", "/dav/d.txt").body, "d");
    EXPECT_EQ(call("GET", "/dav/d.txt/").status, 404);
    EXPECT_EQ(call("HEAD", "/dav/d.txt/").status, 404);
    EXPECT_EQ(call("PROPFIND", "/dav/d.txt/", {}, "Depth: 0\r\n").status, 404);
    EXPECT_EQ(call("PROPFIND", "/dav/c/", {}, "Depth: 0\r\n").status, 207);
    EXPECT_EQ(call("GET", "/dav/c/").status, 200);
}

// The LOCK answer shows the timeout granted, not one second less.
TEST_P(DavEdgeTest, TheLockAnswerShowsTheTimeoutGranted) {
    auto lock = call("LOCK", "/dav/l.txt", lockinfo, "Timeout: Second-100\r\n");
    ASSERT_EQ(lock.status, 201);
    EXPECT_NE(lock.body.find("<D:timeout>Second-100</D:timeout>"), std::string::npos) << lock.body;
    auto shortest = call("LOCK", "/dav/m.txt", lockinfo, "Timeout: Second-0\r\n");
    ASSERT_EQ(shortest.status, 201);
    EXPECT_NE(shortest.body.find("<D:timeout>Second-1</D:timeout>"), std::string::npos)
        << shortest.body;
}

// RFC 6578 sections 3.1 and 6.2: tokens are URIs, and a collection lists sync-collection in
// DAV:supported-report-set. A token from before (the store's bare text) still works.
TEST_P(DavEdgeTest, SyncTokensAreUrisAndTheReportIsAdvertised) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    auto props = call("PROPFIND", "/dav/c/",
                      "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop>"
                      "<D:sync-token/><D:supported-report-set/></D:prop></D:propfind>",
                      "Depth: 0\r\n");
    ASSERT_EQ(props.status, 207);
    EXPECT_NE(props.body.find("<D:supported-report-set><D:supported-report><D:report>"
                              "<D:sync-collection/></D:report></D:supported-report>"
                              "</D:supported-report-set>"),
              std::string::npos)
        << props.body;
    const std::string token = sync_token_of(props.body);
    ASSERT_TRUE(token.starts_with(dav::sync_token_prefix)) << props.body;

    ASSERT_EQ(call("PUT", "/dav/c/a.txt", "a").status, 201);
    auto changed = sync(token);
    ASSERT_EQ(changed.status, 207) << changed.body;
    EXPECT_NE(changed.body.find("/dav/c/a.txt"), std::string::npos) << changed.body;
    const std::string next = sync_token_of(changed.body);
    EXPECT_TRUE(next.starts_with(dav::sync_token_prefix)) << changed.body;

    ASSERT_EQ(call("PUT", "/dav/c/b.txt", "b").status, 201);
    auto bare = sync(std::string(dav::store_token_of(next)));
    ASSERT_EQ(bare.status, 207) << bare.body;
    EXPECT_NE(bare.body.find("/dav/c/b.txt"), std::string::npos) << bare.body;
    EXPECT_EQ(bare.body.find("/dav/c/a.txt"), std::string::npos) << bare.body;

    auto on_document = call("PROPFIND", "/dav/c/a.txt",
                            "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop>"
                            "<D:supported-report-set/></D:prop></D:propfind>",
                            "Depth: 0\r\n");
    EXPECT_NE(on_document.body.find("404"), std::string::npos) << on_document.body;
}

// A removed collection is reported by the URL the client knew it by, with its '/' (RFC 4918
// section 5.2), at sync-level 1 and infinite, empty or not; a removed document without one.
TEST_P(DavEdgeTest, SyncReportsARemovedCollectionWithItsSlash) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/c/empty").status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/c/full").status, 201);
    ASSERT_EQ(call("PUT", "/dav/c/full/x.txt", "x").status, 201);
    ASSERT_EQ(call("PUT", "/dav/c/d.txt", "d").status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/c/moved").status, 201);
    const std::string token = sync_token_of(sync("").body);
    ASSERT_FALSE(token.empty());
    ASSERT_EQ(call("DELETE", "/dav/c/empty").status, 204);
    ASSERT_EQ(call("DELETE", "/dav/c/full").status, 204);
    ASSERT_EQ(call("DELETE", "/dav/c/d.txt").status, 204);
    ASSERT_EQ(
        call("MOVE", "/dav/c/moved", {}, "Destination: http://127.0.0.1/dav/c/renamed/\r\n").status,
        201);
    for (const char* level : {"1", "infinite"}) {
        auto r = call("REPORT", "/dav/c/",
                      "<?xml version=\"1.0\"?><D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>" +
                          token + "</D:sync-token><D:sync-level>" + level +
                          "</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>",
                      "Depth: 0\r\n");
        ASSERT_EQ(r.status, 207) << r.body;
        for (const char* href : {"<D:href>/dav/c/empty/</D:href>", "<D:href>/dav/c/full/</D:href>",
                                 "<D:href>/dav/c/d.txt</D:href>", "<D:href>/dav/c/moved/</D:href>",
                                 "<D:href>/dav/c/renamed/</D:href>"}) {
            EXPECT_NE(r.body.find(href), std::string::npos) << level << " " << href << "\n"
                                                            << r.body;
        }
    }
}

// A name git cannot hold in a tree is the client's choice: 403 saying so, not a 500.
TEST_P(DavEdgeTest, ANameGitCannotHoldIsRefusedWith403) {
    if (GetParam() != "git") {
        EXPECT_EQ(call("PUT", "/dav/.git", "x").status, 201); // any other store keeps it
        return;
    }
    auto put = call("PUT", "/dav/.git", "x");
    EXPECT_EQ(put.status, 403);
    EXPECT_NE(put.body.find(".git"), std::string::npos) << put.body;
    ASSERT_EQ(call("MKCOL", "/dav/d").status, 201);
    EXPECT_EQ(call("MKCOL", "/dav/d/.GIT").status, 403);
    EXPECT_EQ(call("PROPFIND", "/dav/d", {}, "Depth: 1\r\n").status, 207);
}

// Another program can give a file in an fs share a name no URL reaches (not UTF-8, a control
// character): the listing leaves it out and stays well-formed XML.
TEST_P(DavEdgeTest, AListingLeavesOutNamesNoUrlCanReach) {
    if (GetParam() != "fs" && GetParam() != "fs_quick") {
        GTEST_SKIP() << "only the fs store's files can be named by other programs";
    }
    ASSERT_EQ(call("PUT", "/dav/plain.txt", "x").status, 201);
    const auto share = dir_ / "share";
    std::ofstream(share / "lat\xe9x") << "x";
    std::ofstream(share / "ctl\x01x") << "x";
    auto listing = call("PROPFIND", "/dav/", {}, "Depth: 1\r\n");
    ASSERT_EQ(listing.status, 207);
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(listing.body.c_str())) << listing.body;
    EXPECT_NE(listing.body.find("/dav/plain.txt"), std::string::npos) << listing.body;
    EXPECT_EQ(listing.body.find("lat"), std::string::npos) << listing.body;
    EXPECT_EQ(listing.body.find("ctl"), std::string::npos) << listing.body;
}

// A link that another program put into an fs share and that leads out of it: 403 for every
// method, left out of listings; follow_symlinks = true lets it lead out.
TEST_P(DavEdgeTest, ALinkOutOfTheShareIsForbidden) {
    if (GetParam() != "fs" && GetParam() != "fs_quick") {
        GTEST_SKIP() << "only the fs store's folder can hold links";
    }
    const auto outside = dir_ / "outside";
    std::filesystem::create_directories(outside);
    std::ofstream(outside / "secret.txt") << "secret";
    std::filesystem::create_symlink(outside / "secret.txt", dir_ / "share" / "leak.txt");
    std::filesystem::create_symlink(outside, dir_ / "share" / "leak");
    ASSERT_EQ(call("PUT", "/dav/plain.txt", "x").status, 201);

    auto get = call("GET", "/dav/leak.txt");
    EXPECT_EQ(get.status, 403);
    EXPECT_EQ(get.body.find("secret"), std::string::npos);
    EXPECT_NE(get.body.find("leads out of the share"), std::string::npos) << get.body;
    EXPECT_EQ(call("PROPFIND", "/dav/leak/", {}, "Depth: 1\r\n").status, 403);
    EXPECT_EQ(call("PUT", "/dav/leak/planted.txt", "planted").status, 403);
    EXPECT_EQ(call("MKCOL", "/dav/leak/made/").status, 403);
    EXPECT_EQ(call("DELETE", "/dav/leak/secret.txt").status, 403);
    EXPECT_EQ(
        call("MOVE", "/dav/leak/secret.txt", {}, "Destination: http://127.0.0.1/dav/stolen.txt\r\n")
            .status,
        403);
    EXPECT_EQ(
        call("COPY", "/dav/plain.txt", {}, "Destination: http://127.0.0.1/dav/leak/planted.txt\r\n")
            .status,
        403);
    auto listing = call("PROPFIND", "/dav/", {}, "Depth: 1\r\n");
    ASSERT_EQ(listing.status, 207);
    EXPECT_NE(listing.body.find("/dav/plain.txt"), std::string::npos) << listing.body;
    EXPECT_EQ(listing.body.find("leak"), std::string::npos) << listing.body;
    std::vector<std::string> outside_names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(outside)) {
        outside_names.push_back(e.path().filename().string());
    }
    EXPECT_EQ(outside_names, std::vector<std::string>{"secret.txt"});
    EXPECT_FALSE(std::filesystem::exists(dir_ / "share" / "stolen.txt"));

    follow_symlinks_ = true;
    start();
    auto followed = call("GET", "/dav/leak.txt");
    EXPECT_EQ(followed.status, 200);
    EXPECT_EQ(followed.body, "secret");
}

TEST(DavRequestBodies, AWrongRootElementIsNamedInClarkNotation) {
    auto r = dav::parse_proppatch(
        "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("got {DAV:}propfind"), std::string::npos) << r.error();
    auto bare = dav::parse_propfind("<?xml version=\"1.0\"?><propfind/>");
    ASSERT_FALSE(bare);
    EXPECT_NE(bare.error().find("got propfind (in no namespace)"), std::string::npos)
        << bare.error();
}

INSTANTIATE_TEST_SUITE_P(Backends, DavEdgeTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
