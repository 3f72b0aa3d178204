// What a second black-box audit (session 13) found clients get wrong answers for: a COPY or
// MOVE onto an ancestor of the source, MKCOL with an empty body, HEAD and If-Match on a
// collection, the lock root of a collection, a lock refreshed by another user, LOCK on an
// unmapped URL ending in '/', OPTIONS against a 405's Allow, and why a Destination is refused.
// On every backend.
#include "dav/locks/sqlite_lock_store.hpp"
#include "dav_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

namespace quire::test {
namespace {

class DavAnswerTest : public DavTest {
protected:
    Reply copy_or_move(const std::string& method, const std::string& from, const std::string& to,
                       const std::string& extra = {}) {
        return call(method, from, {},
                    "Destination: http://127.0.0.1" + to + "\r\nOverwrite: T\r\n" + extra);
    }
    Reply lock(const std::string& path, const std::string& headers = {}) {
        return call("LOCK", path, lockinfo, headers);
    }
    static std::string token_of(const Reply& r) {
        auto it = r.headers.find("lock-token");
        if (it == r.headers.end())
            return {};
        return it->second.substr(1, it->second.size() - 2); // <urn:uuid:...>
    }
};

// Replacing an ancestor would remove the source with it: 403, and nothing changes.
TEST_P(DavAnswerTest, ACopyOrMoveOntoAnAncestorIsRefusedAndChangesNothing) {
    ASSERT_EQ(call("MKCOL", "/dav/a").status, 201);
    ASSERT_EQ(call("PUT", "/dav/a/sib", "sibling").status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/a/child").status, 201);
    ASSERT_EQ(call("PUT", "/dav/a/child/f", "member").status, 201);
    for (const char* method : {"MOVE", "COPY"}) {
        for (const auto& [from, to] :
             {std::pair("/dav/a/child/", "/dav/a/"), std::pair("/dav/a/sib", "/dav/a/"),
              std::pair("/dav/a/child/f", "/dav/a/")}) {
            auto r = copy_or_move(method, from, to);
            EXPECT_EQ(r.status, 403) << method << " " << from << " -> " << to << ": " << r.body;
            EXPECT_NE(r.body.find("contains the source"), std::string::npos) << r.body;
        }
    }
    EXPECT_EQ(call("GET", "/dav/a/sib").body, "sibling");
    EXPECT_EQ(call("GET", "/dav/a/child/f").body, "member");
    EXPECT_EQ(call("PROPFIND", "/dav/a/", {}, "Depth: 1\r\n").status, 207);
}

// RFC 9110 section 8.6: Content-Length: 0 is no content; RFC 4918 section 9.3 refuses only a
// body it does not understand.
TEST_P(DavAnswerTest, AnEmptyMkcolBodyIsNoBody) {
    EXPECT_EQ(call("MKCOL", "/dav/zero", {}, "Content-Length: 0\r\n").status, 201);
    EXPECT_EQ(raw("MKCOL /dav/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                  "Connection: close\r\n\r\n0\r\n\r\n")
                  .status,
              201);
    EXPECT_EQ(raw("MKCOL /dav/full HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                  "Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
                  .status,
              415);
    EXPECT_EQ(call("MKCOL", "/dav/text", "<x/>").status, 415);
    EXPECT_EQ(call("PROPFIND", "/dav/full", {}, "Depth: 0\r\n").status, 404);
}

// A PUT whose body does not arrive whole is answered 400 with the reason, and the connection
// closes; nothing is created: a body of declared length cut short (read straight into memory)
// and a malformed chunked one (read piece by piece).
TEST_P(DavAnswerTest, APutWhoseBodyFailsCreatesNothing) {
    {
        TestClient c(server_->port());
        c.send("PUT /dav/short HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc");
        c.shutdown_write();
        auto r = c.read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400);
        EXPECT_NE(r->body.find("ended before the request body did"), std::string::npos) << r->body;
        EXPECT_TRUE(c.closed_by_peer());
    }
    auto chunks =
        raw("PUT /dav/chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            "\r\n3\r\nabc\r\nzz\r\n");
    EXPECT_EQ(chunks.status, 400) << chunks.body;
    EXPECT_EQ(call("GET", "/dav/short").status, 404);
    EXPECT_EQ(call("GET", "/dav/chunks").status, 404);
}

// Bodies that come with their heads are taken from the connection's buffer as they are: two
// PUTs and a GET sent at once (one of them with Expect: 100-continue, answered without a 100
// since its body is already there) store every byte, and the requests after a body are read
// where it ends.
TEST_P(DavAnswerTest, PipelinedPutsWithTheirBodiesStoreEveryByte) {
    using namespace std::string_literals;
    const std::string first = "binary\0body\r\n\r\nPUT /x HTTP/1.1\r\n"s;
    const std::string second(3000, 'z');
    TestClient c(server_->port());
    c.send("PUT /dav/p1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
           std::to_string(first.size()) + "\r\n\r\n" + first +
           "PUT /dav/p2 HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
           "Content-Length: " +
           std::to_string(second.size()) + "\r\n\r\n" + second +
           "GET /dav/p1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    auto put1 = c.read_response();
    ASSERT_TRUE(put1);
    EXPECT_EQ(put1->status, 201) << put1->body;
    auto put2 = c.read_response();
    ASSERT_TRUE(put2);
    EXPECT_EQ(put2->status, 201) << put2->body;
    auto get = c.read_response();
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 200);
    EXPECT_EQ(get->body, first);
    auto get2 = call("GET", "/dav/p2");
    EXPECT_EQ(get2.status, 200);
    EXPECT_EQ(get2.body, second);
}

// RFC 9110 section 10.1.1: a PUT that would be refused anyway (a lock without its token, a
// precondition that fails) is answered before any 100 Continue, so its body is never sent;
// with the token the body is asked for and stored.
TEST_P(DavAnswerTest, AnExpectedBodyIsNotAskedForWhenThePutIsRefused) {
    ASSERT_EQ(call("PUT", "/dav/l.txt", "old").status, 201);
    const auto l = lock("/dav/l.txt", "Depth: 0\r\n");
    ASSERT_EQ(l.status, 200);
    const std::string token = "If: (<" + token_of(l) + ">)\r\n";
    auto head = [](const std::string& extra) {
        return "PUT /dav/l.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
               "Content-Length: 3\r\n" +
               extra + "\r\n";
    };
    for (const auto& [extra, status] :
         {std::pair{std::string(), 423}, std::pair{token + "If-Match: \"other\"\r\n", 412}}) {
        TestClient c(server_->port());
        c.send(head(extra));
        auto refused = c.read_response();
        ASSERT_TRUE(refused) << extra;
        EXPECT_EQ(refused->status, status) << extra << refused->body;
    }
    TestClient c(server_->port());
    auto stored = c.send_after_continue(head(token), "new");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, 204) << stored->body;
    EXPECT_EQ(call("GET", "/dav/l.txt").body, "new");
}

// A body over what is held in memory, or chunked, goes into the store as it arrives
// (Store::begin_put): stored whole at its end; cut off, it leaves the old document and, on fs,
// no file behind; to a missing parent it is a 409 before the 100 Continue.
TEST_P(DavAnswerTest, LongBodiesAreWrittenAsTheyArrive) {
    ASSERT_EQ(call("PUT", "/dav/doc", "old").status, 201);
    std::string whole;
    std::string chunked = "PUT /dav/doc HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 40; ++i) {
        const std::string piece(64 * 1024 + i, static_cast<char>('a' + i % 26));
        whole += piece;
        std::ostringstream size;
        size << std::hex << piece.size();
        chunked += size.str() + "\r\n" + piece + "\r\n";
    }
    chunked += "0\r\n\r\n";
    EXPECT_EQ(raw(chunked).status, 204);
    EXPECT_TRUE(call("GET", "/dav/doc").body == whole) << "the chunked body differs";

    {
        TestClient c(server_->port());
        c.send("PUT /dav/doc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
               std::to_string(4u << 20) + "\r\n\r\n" + std::string(3u << 19, 'z'));
        c.shutdown_write(); // the client gives up after 1.5 of its 4 MiB
        auto r = c.read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << r->body;
    }
    EXPECT_TRUE(call("GET", "/dav/doc").body == whole) << "the old document is gone";
    if (GetParam() == "fs" || GetParam() == "fs_quick") {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(dir_ / "share")) {
            names.push_back(e.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        EXPECT_EQ(names, (std::vector<std::string>{".quire", "doc"}));
    }

    TestClient c(server_->port());
    auto missing = c.send_after_continue(
        "PUT /dav/none/doc HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        "Content-Length: 2000000\r\n\r\n",
        std::string(2000000, 'm'));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 409) << missing->body;
}

// RFC 9110 section 8.6: HEAD's Content-Length is what GET would send.
TEST_P(DavAnswerTest, HeadOfACollectionGivesTheLengthOfItsListing) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    ASSERT_EQ(call("PUT", "/dav/c/member.txt", "x").status, 201);
    auto get = call("GET", "/dav/c/");
    ASSERT_EQ(get.status, 200);
    ASSERT_FALSE(get.body.empty());
    auto head = call("HEAD", "/dav/c/");
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(head.headers["content-length"], std::to_string(get.body.size()));
    EXPECT_TRUE(head.body.empty());
}

// RFC 9110 section 13.1.1: If-Match fails when no current etag matches, for GET too.
TEST_P(DavAnswerTest, GetOfACollectionWeighsIfMatch) {
    ASSERT_EQ(call("MKCOL", "/dav/c").status, 201);
    EXPECT_EQ(call("GET", "/dav/c/", {}, "If-Match: \"bogus\"\r\n").status, 412);
    auto found = call("PROPFIND", "/dav/c/",
                      "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/>"
                      "</D:prop></D:propfind>",
                      "Depth: 0\r\n");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(found.body, m, std::regex("<D:getetag>([^<]+)</D:getetag>")))
        << found.body;
    EXPECT_EQ(call("GET", "/dav/c/", {}, "If-Match: " + m[1].str() + "\r\n").status, 200);
    EXPECT_EQ(call("GET", "/dav/c/", {}, "If-Match: *\r\n").status, 200);
}

// RFC 4918 section 14.12: the lock root is the URL the collection was locked through.
TEST_P(DavAnswerTest, TheLockRootOfACollectionEndsInASlash) {
    ASSERT_EQ(call("MKCOL", "/dav/lr").status, 201);
    auto locked = lock("/dav/lr/", "Depth: infinity\r\n");
    ASSERT_EQ(locked.status, 200) << locked.body;
    EXPECT_NE(locked.body.find("<D:lockroot><D:href>/dav/lr/</D:href>"), std::string::npos)
        << locked.body;
    auto refused = call("PUT", "/dav/lr/f", "x");
    ASSERT_EQ(refused.status, 423);
    EXPECT_NE(refused.body.find("<D:href>/dav/lr/</D:href>"), std::string::npos) << refused.body;
    auto doc = lock("/dav/doc");
    ASSERT_EQ(doc.status, 201) << doc.body;
    EXPECT_NE(doc.body.find("<D:lockroot><D:href>/dav/doc</D:href>"), std::string::npos)
        << doc.body;
}

// A lock is used only by the user who took it (RFC 4918 section 6.4), so refreshed only by
// them too.
TEST_P(DavAnswerTest, ALockIsRefreshedOnlyByTheUserWhoTookIt) {
    principal_from_header_ = true;
    start();
    auto locked = lock("/dav/rf", "X-Test-User: alice\r\nTimeout: Second-100\r\n");
    ASSERT_EQ(locked.status, 201) << locked.body;
    const std::string token = token_of(locked);
    ASSERT_FALSE(token.empty());
    const std::string refresh = "If: (<" + token + ">)\r\nTimeout: Second-3600\r\n";
    auto by_bob = call("LOCK", "/dav/rf", {}, "X-Test-User: bob\r\n" + refresh);
    EXPECT_EQ(by_bob.status, 403) << by_bob.body;
    // What is left of the 100 s, not 3,600 (a second may have passed on a loaded machine).
    auto seen = call("PROPFIND", "/dav/rf", {}, "Depth: 0\r\n");
    const auto at = seen.body.find("Second-");
    ASSERT_NE(at, std::string::npos) << seen.body;
    EXPECT_LE(std::stol(seen.body.substr(at + 7)), 100)
        << "another user's refresh changed the timeout: " << seen.body;
    auto by_alice = call("LOCK", "/dav/rf", {}, "X-Test-User: alice\r\n" + refresh);
    EXPECT_EQ(by_alice.status, 200) << by_alice.body;
    EXPECT_NE(by_alice.body.find("Second-3600<"), std::string::npos) << by_alice.body;
}

// RFC 4918 section 9.10.3: a Depth: infinity LOCK that a member's lock keeps from being granted
// is a 207 naming the member (423) and the Request-URI (424); a lock in the way on the
// Request-URI itself stays a 423.
TEST_P(DavAnswerTest, AnInfiniteLockBlockedByAMembersLockIsAMultiStatus) {
    ASSERT_EQ(call("MKCOL", "/dav/p").status, 201);
    ASSERT_EQ(call("PUT", "/dav/p/c.txt", "x").status, 201);
    ASSERT_EQ(lock("/dav/p/c.txt", "Depth: 0\r\n").status, 200);
    auto blocked = lock("/dav/p/", "Depth: infinity\r\n");
    EXPECT_EQ(blocked.status, 207) << blocked.body;
    const std::regex member(R"(<D:href>/dav/p/c\.txt</D:href><D:status>HTTP/1\.1 423 Locked)");
    const std::regex request_uri(R"(<D:href>/dav/p/</D:href><D:status>HTTP/1\.1 424 Failed)");
    EXPECT_TRUE(std::regex_search(blocked.body, member)) << blocked.body;
    EXPECT_TRUE(std::regex_search(blocked.body, request_uri)) << blocked.body;
    EXPECT_EQ(call("PUT", "/dav/p/other", "y").status, 201) << "no lock was granted on /dav/p/";
    ASSERT_EQ(lock("/dav/q").status, 201);
    EXPECT_EQ(lock("/dav/q").status, 423);
}

// RFC 4918 sections 9.6.2, 9.8.8, 9.9.4: a DELETE, MOVE or COPY kept from a collection only by
// its members' locks is a 207 naming each locked member (423, DAV:lock-token-submitted), with
// no 424 for the collection; nothing changes. A lock on the collection itself stays a 423.
TEST_P(DavAnswerTest, WritesKeptFromACollectionByItsMembersLocksNameThem) {
    ASSERT_EQ(call("MKCOL", "/dav/p").status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/p/sub").status, 201);
    ASSERT_EQ(call("PUT", "/dav/p/a.txt", "a").status, 201);
    ASSERT_EQ(call("PUT", "/dav/p/sub/b.txt", "b").status, 201);
    ASSERT_EQ(call("PUT", "/dav/p/free.txt", "f").status, 201);
    const auto a = lock("/dav/p/a.txt", "Depth: 0\r\n");
    const auto sub = lock("/dav/p/sub/", "Depth: infinity\r\n");
    ASSERT_EQ(a.status, 200);
    ASSERT_EQ(sub.status, 200);
    const std::regex member_a(
        R"(<D:response><D:href>/dav/p/a\.txt</D:href><D:status>HTTP/1\.1 423 Locked</D:status>)"
        R"(<D:error><D:lock-token-submitted><D:href>/dav/p/a\.txt</D:href>)");
    const std::regex member_sub(
        R"(<D:response><D:href>/dav/p/sub/</D:href><D:status>HTTP/1\.1 423 Locked</D:status>)");
    ASSERT_EQ(call("MKCOL", "/dav/q").status, 201);
    ASSERT_EQ(call("PUT", "/dav/q/x", "x").status, 201);
    for (const auto& [method, answer] :
         {std::pair{"DELETE", call("DELETE", "/dav/p/")},
          std::pair{"MOVE", copy_or_move("MOVE", "/dav/p/", "/dav/moved/")},
          std::pair{"COPY onto", copy_or_move("COPY", "/dav/q/", "/dav/p/")}}) {
        EXPECT_EQ(answer.status, 207) << method << "\n" << answer.body;
        EXPECT_TRUE(std::regex_search(answer.body, member_a)) << method << "\n" << answer.body;
        EXPECT_TRUE(std::regex_search(answer.body, member_sub)) << method << "\n" << answer.body;
        EXPECT_EQ(count(answer.body, "<D:response>"), 2) << method << "\n" << answer.body;
        EXPECT_EQ(answer.body.find("424"), std::string::npos) << method << "\n" << answer.body;
    }
    EXPECT_EQ(call("GET", "/dav/p/free.txt").body, "f");
    EXPECT_EQ(call("GET", "/dav/p/sub/b.txt").body, "b");
    EXPECT_EQ(call("GET", "/dav/moved/free.txt").status, 404);
    EXPECT_EQ(call("GET", "/dav/p/x").status, 404);

    // With one of the two tokens (tagged: an untagged list is about the collection, which
    // neither lock covers, and would not hold), the other member is still in the way.
    const std::string one = "If: </dav/p/a.txt> (<" + token_of(a) + ">)\r\n";
    auto still = call("DELETE", "/dav/p/", {}, one);
    EXPECT_EQ(still.status, 207) << still.body;
    EXPECT_FALSE(std::regex_search(still.body, member_a)) << still.body;
    EXPECT_TRUE(std::regex_search(still.body, member_sub)) << still.body;
    // With both, the collection goes, and its members' locks with it.
    const std::string both =
        "If: </dav/p/a.txt> (<" + token_of(a) + ">) </dav/p/sub/> (<" + token_of(sub) + ">)\r\n";
    EXPECT_EQ(call("DELETE", "/dav/p/", {}, both).status, 204);
    EXPECT_EQ(call("GET", "/dav/p/free.txt").status, 404);
    EXPECT_EQ(call("PUT", "/dav/p", "a document now").status, 201);

    // A lock on the collection itself: one 423.
    ASSERT_EQ(lock("/dav/q/", "Depth: 0\r\n").status, 200);
    auto own = call("DELETE", "/dav/q/");
    EXPECT_EQ(own.status, 423) << own.body;
    EXPECT_NE(own.body.find("<D:lock-token-submitted><D:href>/dav/q/</D:href>"), std::string::npos)
        << own.body;
}

// A lock table that cannot be written (its disk full) is a 507 for UNLOCK and a refresh, not
// a wrong token (409, 412); the lock stays.
TEST_P(DavAnswerTest, UnlockAndRefreshOnAFullLockTableAreNotAWrongToken) {
    std::filesystem::create_directories(dir_ / "small");
    storage::testing::SmallDisk disk((dir_ / "small").string());
    QUIRE_SKIP_UNLESS_MOUNTED(disk);
    locks_file_ = disk.path() + "/locks.db";
    start();
    auto locked = lock("/dav/held");
    ASSERT_EQ(locked.status, 201) << locked.body;
    const std::string token = token_of(locked);
    storage::testing::fill(disk.path() + "/filler");
    for (int i = 0; i < 200 && lock("/dav/more" + std::to_string(i)).status != 507; ++i) {
    } // the table's free pages go first
    auto refreshed = call("LOCK", "/dav/held", {}, "If: (<" + token + ">)\r\n");
    EXPECT_TRUE(refreshed.status == 200 || refreshed.status == 507)
        << refreshed.status << " " << refreshed.body;
    auto unlocked = call("UNLOCK", "/dav/held", {}, "Lock-Token: <" + token + ">\r\n");
    EXPECT_TRUE(unlocked.status == 204 || unlocked.status == 507)
        << unlocked.status << " " << unlocked.body;
    if (unlocked.status == 507) {
        auto seen = call("PROPFIND", "/dav/held", {}, "Depth: 0\r\n");
        EXPECT_NE(seen.body.find(token), std::string::npos) << "the lock is gone: " << seen.body;
    }
}

// A lock on a name where nothing is (what a process killed between a LOCK's lock and its
// empty document leaves) is dropped when the share opens; a lock on a resource stays.
TEST_P(DavAnswerTest, ALockWhereNothingIsIsDroppedWhenTheShareOpens) {
    ASSERT_EQ(lock("/dav/held").status, 201);
    {
        auto table = dav::open_sqlite_lock_store((dir_ / "locks.db").string());
        ASSERT_TRUE(table) << table.error().message;
        auto ghost = (*table)->create(dav::LockRequest{.root = "/ghost",
                                                       .scope = dav::LockScope::exclusive,
                                                       .timeout = std::chrono::seconds(3600)});
        ASSERT_TRUE(ghost) << ghost.error().message;
    }
    EXPECT_EQ(call("PUT", "/dav/ghost", "x").status, 423);
    ASSERT_EQ(call("DELETE", "/dav/ghost").status, 404);
    start(); // the share opens again
    EXPECT_EQ(call("PUT", "/dav/ghost", "x").status, 201);
    EXPECT_EQ(call("PUT", "/dav/held", "x").status, 423);
}

// A document too large to be read into memory (over 16 MiB) from a store without files
// (sqlite, git) is streamed: still with its length declared and ranges honoured, as a file's
// (rclone's multi-part downloads and mounts read at offsets).
TEST_P(DavAnswerTest, ALargeDocumentHasItsLengthAndItsRanges) {
    std::string big(17u << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>('a' + (i * 131 + i / 4096) % 26);
    ASSERT_EQ(call("PUT", "/dav/big", big).status, 201);
    auto whole = call("GET", "/dav/big");
    ASSERT_EQ(whole.status, 200);
    EXPECT_EQ(whole.headers["content-length"], std::to_string(big.size()));
    EXPECT_EQ(whole.headers.count("transfer-encoding"), 0u);
    EXPECT_EQ(whole.headers["accept-ranges"], "bytes");
    EXPECT_TRUE(whole.body == big) << "the body differs";
    auto head = call("HEAD", "/dav/big");
    EXPECT_EQ(head.headers["content-length"], std::to_string(big.size()));
    const std::uint64_t at = 16u << 20;
    auto part = call("GET", "/dav/big", {},
                     "Range: bytes=" + std::to_string(at) + "-" + std::to_string(at + 99) + "\r\n");
    ASSERT_EQ(part.status, 206) << part.headers["content-type"];
    EXPECT_EQ(part.body, big.substr(at, 100));
    EXPECT_EQ(part.headers["content-range"], "bytes " + std::to_string(at) + "-" +
                                                 std::to_string(at + 99) + "/" +
                                                 std::to_string(big.size()));
    auto tail = call("GET", "/dav/big", {}, "Range: bytes=-10\r\n");
    ASSERT_EQ(tail.status, 206);
    EXPECT_EQ(tail.body, big.substr(big.size() - 10));
    auto two = call("GET", "/dav/big", {}, "Range: bytes=0-4,8000000-8000004\r\n");
    ASSERT_EQ(two.status, 206);
    EXPECT_NE(two.body.find(big.substr(0, 5)), std::string::npos);
    EXPECT_NE(two.body.find(big.substr(8000000, 5)), std::string::npos);
}

// Only ".quire" and ".quire-*" are Quire's own names (403); ".quirerc" is a user's file like
// any other (an rclone sync of a tree holding one failed).
TEST_P(DavAnswerTest, OnlyQuiresOwnNamesAreReserved) {
    EXPECT_EQ(call("PUT", "/dav/.quirerc", "settings").status, 201);
    EXPECT_EQ(call("GET", "/dav/.quirerc").body, "settings");
    EXPECT_NE(call("PROPFIND", "/dav/", {}, "Depth: 1\r\n").body.find("/dav/.quirerc<"),
              std::string::npos);
    EXPECT_EQ(call("PUT", "/dav/.quire-x", "x").status, 403);
    EXPECT_EQ(call("PUT", "/dav/.quire", "x").status, 403);
}

// A LOCK on an unmapped URL makes an empty document, which a URL ending in '/' cannot name.
TEST_P(DavAnswerTest, ALockOnAnUnmappedUrlEndingInASlashIsAConflict) {
    auto r = lock("/dav/ln/");
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(call("PROPFIND", "/dav/ln", {}, "Depth: 0\r\n").status, 404);
    EXPECT_EQ(lock("/dav/ln").status, 201);
}

// RFC 9110 section 10.2.1: Allow lists what the target takes; OPTIONS and a 405 agree.
TEST_P(DavAnswerTest, OptionsListsWhatA405Allows) {
    ASSERT_EQ(call("PUT", "/dav/doc", "x").status, 201);
    ASSERT_EQ(call("MKCOL", "/dav/col").status, 201);
    auto options_doc = call("OPTIONS", "/dav/doc");
    auto refused_doc = call("MKCOL", "/dav/doc");
    ASSERT_EQ(refused_doc.status, 405);
    EXPECT_EQ(options_doc.headers["allow"], refused_doc.headers["allow"]);
    EXPECT_EQ(options_doc.headers["allow"].find("MKCOL"), std::string::npos);
    auto options_col = call("OPTIONS", "/dav/col/");
    auto refused_col = call("PUT", "/dav/col/", "x");
    EXPECT_NE(options_col.headers["allow"].find("REPORT"), std::string::npos);
    EXPECT_EQ(options_col.headers["dav"], "1, 2, 3");
    if (refused_col.status == 405) {
        EXPECT_EQ(options_col.headers["allow"], refused_col.headers["allow"]);
    }
}

// A Destination on this server that names nothing the share can hold says why; only another
// server is 502 (RFC 4918 sections 9.8.5, 9.9.4). A missing default port is the same server.
TEST_P(DavAnswerTest, ARefusedDestinationSaysWhy) {
    ASSERT_EQ(call("PUT", "/dav/d", "x").status, 201);
    auto move_to = [&](const std::string& destination, const std::string& host = "127.0.0.1") {
        return raw("COPY /dav/d HTTP/1.1\r\nHost: " + host + "\r\nDestination: " + destination +
                   "\r\nConnection: close\r\n\r\n");
    };
    EXPECT_EQ(move_to("http://127.0.0.1/dav/.quire-x").status, 403);
    EXPECT_EQ(move_to("http://127.0.0.1/dav/bad%zz").status, 400);
    EXPECT_EQ(move_to("http://127.0.0.1/dav/" + std::string(256, 'n')).status, 414);
    EXPECT_EQ(move_to("http://elsewhere.example/dav/e").status, 502);
    EXPECT_EQ(move_to("http://127.0.0.1:81/dav/e").status, 502);
    EXPECT_EQ(move_to("http://127.0.0.1/other/e").status, 502);
    EXPECT_EQ(move_to("http://dav.example/dav/copy1", "dav.example:80").status, 201);
    EXPECT_EQ(move_to("http://dav.example:80/dav/copy2", "dav.example").status, 201);
    EXPECT_EQ(move_to("https://dav.example:443/dav/copy3", "dav.example").status, 201);
    EXPECT_EQ(call("GET", "/dav/copy1").body, "x");
}

INSTANTIATE_TEST_SUITE_P(Backends, DavAnswerTest,
                         ::testing::Values("fs", "fs_quick", "sqlite", "git"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace quire::test
