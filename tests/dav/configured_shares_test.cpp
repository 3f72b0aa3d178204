// Shares as a configuration file makes them: two webdav mounts on different backends (a
// folder and a git repository) served by one running server, each with its own content under
// its own prefix; on the git share, Basic authentication lets users in, and the user it let in
// is the author of the commit each change makes.
#include "config/loader.hpp"
#include "storage/git/git_store.hpp"
#include "support/credentials.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

namespace quire::test {
namespace {

// One request on a connection of its own.
std::optional<ClientResponse> send(std::uint16_t port, const std::string& method,
                                   const std::string& path, const std::string& headers,
                                   const std::string& body = {}) {
    TestClient c(port);
    c.send(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return c.read_response(method == "HEAD");
}

int status_of(const std::optional<ClientResponse>& r) {
    return r ? r->status : -1;
}

TEST(ConfiguredShares, TwoBackendsInOneServerAndTheUserAsTheGitAuthor) {
    TempDir dir;
    auto alice = htpasswd_line("-B -C 5", "alice", "pw-a");
    auto bob = openssl_line("-6", "bob", "pw-b");
    ASSERT_TRUE(alice) << alice.error();
    ASSERT_TRUE(bob) << bob.error();
    dir.write("users", *alice + "\n" + *bob + "\n");
    std::filesystem::create_directories(dir / "files");
    const std::string text = R"(
[log]
access = "off"
level = "warn"
[[listen]]
address = "127.0.0.1:0"
[[mount]]
path = "/files/"
handler = "webdav"
store = "fs:files"
[[mount]]
path = "/notes/"
handler = "webdav"
store = "git:notes.git"
auth = "basic"
htpasswd = "users"
realm = "Notes"
writers = ["alice", "bob"]
)";
    auto loaded = config::load_config_text(text, "quire.toml", dir.path().string());
    ASSERT_TRUE(loaded) << loaded.error().front();
    {
        TestServer server(*loaded);
        const auto port = server.port();
        const std::string as_alice = basic("alice", "pw-a");
        const std::string as_bob = basic("bob", "pw-b");

        EXPECT_EQ(status_of(send(port, "PUT", "/files/a.txt", {}, "on the folder")), 201);
        auto refused = send(port, "PUT", "/notes/n.txt", {}, "anonymous");
        EXPECT_EQ(status_of(refused), 401);
        EXPECT_NE(refused->header("www-authenticate").value_or("").find("Basic realm=\"Notes\""),
                  std::string::npos);
        EXPECT_EQ(status_of(send(port, "PUT", "/notes/n.txt", as_alice, "first")), 201);
        EXPECT_EQ(status_of(send(port, "PUT", "/notes/n.txt", as_bob, "second")), 204);
        EXPECT_EQ(status_of(send(port, "MKCOL", "/notes/todo", as_alice)), 201);

        // Each share has its own content, under its own prefix.
        auto n = send(port, "GET", "/notes/n.txt", as_alice);
        ASSERT_TRUE(n);
        EXPECT_EQ(n->status, 200);
        EXPECT_EQ(n->body, "second");
        EXPECT_EQ(status_of(send(port, "GET", "/files/n.txt", {})), 404);
        EXPECT_EQ(status_of(send(port, "GET", "/notes/a.txt", as_alice)), 404);
        auto listing = send(port, "PROPFIND", "/notes/", as_bob + "Depth: 1\r\n");
        ASSERT_TRUE(listing);
        EXPECT_EQ(listing->status, 207);
        EXPECT_NE(listing->body.find("<D:href>/notes/n.txt</D:href>"), std::string::npos)
            << listing->body;
        EXPECT_NE(listing->body.find("<D:href>/notes/todo/</D:href>"), std::string::npos);
        EXPECT_EQ(listing->body.find("a.txt"), std::string::npos);
    }
    // The folder share is plain files; the git share is a repository whose log tells who
    // did what.
    EXPECT_EQ(read_text(dir / "files" / "a.txt"), "on the folder");
    EXPECT_FALSE(std::filesystem::exists(dir / "files" / "n.txt"));
    auto store = storage::git::open((dir / "notes.git").string(), {});
    ASSERT_TRUE(store) << store.error().message;
    auto history = (*store)->history("/n.txt");
    ASSERT_TRUE(history) << history.error().message;
    ASSERT_EQ(history->size(), 2u);
    EXPECT_EQ(history->at(0).author, "bob"); // newest first
    EXPECT_EQ(history->at(1).author, "alice");
}

} // namespace
} // namespace quire::test
