// Basic authentication over an htpasswd file and per-mount access, over real sockets. The
// htpasswd files are made at test time by the real tools (apache2-utils' htpasswd, openssl).
#include "config/loader.hpp"
#include "handlers/auth/basic_auth_handler.hpp"
#include "handlers/auth/htpasswd_file.hpp"
#include "support/credentials.hpp"
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <chrono>
#include <cstdio>
#include <sys/wait.h>
#include <thread>

#include <gtest/gtest.h>

namespace quire::test {
namespace {

namespace fs = std::filesystem;
using handlers::AuthOptions;
using handlers::BasicAuthHandler;

class AuthTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string text = "# made by the test\n";
        for (const auto& line :
             {htpasswd_line("-B -C 5", "bcrypt_y", "pw-y"), htpasswd_line("-m", "apr1", "pw-m"),
              htpasswd_line("-s", "sha1", "pw-s"), openssl_line("-5", "sha256", "pw-5"),
              openssl_line("-6", "sha512", "pw-6"), htpasswd_line("-B -C 5", "reader", "r"),
              htpasswd_line("-B -C 5", "writer", "w"), htpasswd_line("-B -C 5", "outsider", "o"),
              htpasswd_line("-d", "des", "pw-d")}) {
            ASSERT_TRUE(line) << line.error();
            text += *line + "\n";
        }
        // The same bcrypt hash under the other accepted prefixes (identical for ASCII).
        auto y = text.substr(text.find("bcrypt_y:") + 9, 60);
        ASSERT_TRUE(y.starts_with("$2y$")) << y;
        text += "bcrypt_b:$2b$" + y.substr(4) + "\n";
        text += "bcrypt_a:$2a$" + y.substr(4) + "\n";
        text += "plain:secret\n";
        dir_.write("users", text);
    }

    void start(AuthOptions o, bool with_file = true) {
        server_.reset();
        if (with_file) {
            o.htpasswd = (dir_ / "users").string();
        }
        auto auth = BasicAuthHandler::create(o);
        ASSERT_TRUE(auth) << auth.error();
        core::Mount m = mount("/", std::make_shared<WhoAmIHandler>());
        m.handlers.insert(m.handlers.begin(), *auth);
        server_ = std::make_unique<TestServer>(make_config({std::move(m)}));
    }

    std::optional<ClientResponse> request(const std::string& method, const std::string& headers) {
        TestClient c(server_->port());
        c.send(method + " /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 0\r\n" +
               headers + "\r\n");
        return c.read_response(method == "HEAD");
    }
    int status(const std::string& method, const std::string& headers) {
        auto r = request(method, headers);
        return r ? r->status : -1;
    }

    TempDir dir_;
    std::unique_ptr<TestServer> server_;
};

TEST_F(AuthTest, NoCredentialsGets401WithABasicChallenge) {
    AuthOptions o;
    o.realm = "Test \"Realm\"";
    start(o);
    for (const char* method : {"GET", "OPTIONS", "PROPFIND", "PUT"}) {
        auto r = request(method, "");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401) << method;
        EXPECT_EQ(r->header("www-authenticate"),
                  "Basic realm=\"Test \\\"Realm\\\"\", charset=\"UTF-8\"");
    }
}

TEST_F(AuthTest, WrongPasswordOrUnknownUserGets401) {
    start({});
    EXPECT_EQ(status("GET", basic("bcrypt_y", "wrong")), 401);
    EXPECT_EQ(status("GET", basic("bcrypt_y", "pw-y-and-more")), 401);
    // bcrypt_y's hash is the one an unknown name's password is checked against: its password
    // must not let the unknown name in.
    EXPECT_EQ(status("GET", basic("nobody", "pw-y")), 401);
    EXPECT_EQ(status("GET", basic("plain", "pw-y")), 401);
    auto r = request("GET", basic("apr1", "pw-s"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_TRUE(r->header("www-authenticate"));
}

TEST_F(AuthTest, AcceptsEveryHashFormatAndPassesThePrincipalOn) {
    start({});
    const std::pair<const char*, const char*> users[] = {
        {"bcrypt_y", "pw-y"}, {"bcrypt_b", "pw-y"}, {"bcrypt_a", "pw-y"}, {"apr1", "pw-m"},
        {"sha1", "pw-s"},     {"sha256", "pw-5"},   {"sha512", "pw-6"}};
    for (const auto& [user, password] : users) {
        auto r = request("GET", basic(user, password));
        ASSERT_TRUE(r) << user;
        EXPECT_EQ(r->status, 200) << user;
        EXPECT_EQ(r->body, std::string(user) + " GET");
        EXPECT_EQ(status("GET", basic(user, std::string(password) + "x")), 401) << user;
    }
}

TEST_F(AuthTest, RefusesPlaintextAndDesEntries) {
    start({});
    EXPECT_EQ(status("GET", basic("plain", "secret")), 401);
    EXPECT_EQ(status("GET", basic("des", "pw-d")), 401);
    auto file = handlers::HtpasswdFile::load((dir_ / "users").string());
    ASSERT_TRUE(file) << file.error();
    const auto& w = file->warnings();
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0].find((dir_ / "users").string() + ":10: user 'des'"), 0u) << w[0];
    EXPECT_EQ(w[1].find((dir_ / "users").string() + ":13: user 'plain'"), 0u) << w[1];
}

// White space around a line is no part of it (as in Apache): an indented '#' is a comment,
// and a blank or tab after the hash does not spoil it.
TEST(HtpasswdTest, AnIndentedHashSignIsACommentAndBlanksAroundALineDoNotCount) {
    const auto file = handlers::HtpasswdFile::parse(
        "  # a comment\n\t\n  sha1:{SHA}7+2E/Ez6ebT2eDT0Ru2h/OEqT2I= \t\r\n", "users");
    EXPECT_TRUE(file.warnings().empty()) << file.warnings().front();
    ASSERT_EQ(file.size(), 1u);
    const auto* entry = file.find("sha1");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->hash, "{SHA}7+2E/Ez6ebT2eDT0Ru2h/OEqT2I=");
}

// An unknown name's password is checked against a real entry's hash, so that a wrong name
// takes as long as a wrong password: bcrypt where the file has it (the costliest check).
TEST(HtpasswdTest, AnUnknownNameIsCheckedAgainstTheFirstBcryptEntry) {
    const std::string sha1 = "{SHA}7+2E/Ez6ebT2eDT0Ru2h/OEqT2I=";
    const std::string apr1 = "$apr1$ssNBzw3m$0V0v/e2M/JxBjH6KfAaoS.";
    const std::string bcrypt = "$2y$05$uj0rXl3E9Ssy/2lN3mv4feRUqgENHDpoC3BqnQ9gvGP3kkT6bBYcS";
    const auto file = handlers::HtpasswdFile::parse(
        "plain:secret\nsha1:" + sha1 + "\napr1:" + apr1 + "\nb:" + bcrypt + "\n", "users");
    ASSERT_NE(file.stand_in(), nullptr);
    EXPECT_EQ(file.stand_in()->hash, bcrypt);

    const auto without_bcrypt =
        handlers::HtpasswdFile::parse("plain:secret\nsha1:" + sha1 + "\napr1:" + apr1, "users");
    ASSERT_NE(without_bcrypt.stand_in(), nullptr);
    EXPECT_EQ(without_bcrypt.stand_in()->hash, sha1);

    EXPECT_EQ(handlers::HtpasswdFile::parse("plain:secret\n", "users").stand_in(), nullptr);
}

TEST_F(AuthTest, ReadersMayOnlyReadWritersMayWriteOthersGet403) {
    AuthOptions o;
    o.lists = true;
    o.readers = {"reader"};
    o.writers = {"writer"};
    start(o);
    EXPECT_EQ(status("GET", basic("reader", "r")), 200);
    EXPECT_EQ(status("PROPFIND", basic("reader", "r")), 200);
    for (const char* method : {"PUT", "DELETE", "MKCOL", "PROPPATCH", "LOCK", "POST"}) {
        auto r = request(method, basic("reader", "r"));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 403) << method;
        EXPECT_FALSE(r->body.empty());
    }
    EXPECT_EQ(status("PUT", basic("writer", "w")), 200);
    EXPECT_EQ(status("GET", basic("writer", "w")), 200);
    EXPECT_EQ(status("GET", basic("outsider", "o")), 403);
    // What the handler learns: the reader may only read, the writer may write.
    EXPECT_EQ(request("GET", basic("reader", "r"))->body, "reader GET read-only");
    EXPECT_EQ(request("GET", basic("writer", "w"))->body, "writer GET");
}

TEST_F(AuthTest, ReadOnlyMountRefusesWritesToEveryone) {
    AuthOptions o;
    o.read_only = true;
    start(o);
    EXPECT_EQ(status("GET", basic("writer", "w")), 200);
    EXPECT_EQ(request("OPTIONS", basic("writer", "w"))->body, "writer OPTIONS read-only");
    EXPECT_EQ(status("PUT", basic("writer", "w")), 403);
    EXPECT_EQ(status("PUT", ""), 401); // authentication comes first
}

TEST_F(AuthTest, AnonymousReadOnlyMount) {
    AuthOptions o;
    o.read_only = true;
    start(o, false);
    auto r = request("GET", "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "- GET read-only"); // handlers offer such a client only reads
    EXPECT_EQ(status("PUT", ""), 403);
    EXPECT_EQ(status("DELETE", ""), 403);
}

// Credentials that cannot be read get the challenge again (401), as from Apache and nginx:
// a browser can then ask for them anew. Base64 without its padding is read.
TEST_F(AuthTest, UnreadableCredentialsAndOtherSchemesAre401WithAChallenge) {
    start({});
    for (const std::string& field :
         {std::string("Authorization: Basic !!!not-base64!!!\r\n"),
          "Authorization: Basic " + base64("nocolon") + "\r\n",
          "Authorization: Basic " + base64(":pw-y") + "\r\n",
          std::string("Authorization: Basic\r\n"), std::string("Authorization: Basic abcde\r\n"),
          std::string("Authorization: Bearer abcdef\r\n")}) {
        auto r = request("GET", field);
        ASSERT_TRUE(r) << field;
        EXPECT_EQ(r->status, 401) << field;
        EXPECT_TRUE(r->header("www-authenticate")) << field;
    }
    EXPECT_EQ(status("GET", "Authorization: basic " + base64("sha1:pw-s") + "\r\n"), 200);
    std::string unpadded = base64("bcrypt_y:pw-y");
    ASSERT_TRUE(unpadded.ends_with("="));
    while (unpadded.ends_with("="))
        unpadded.pop_back();
    EXPECT_EQ(status("GET", "Authorization: Basic " + unpadded + "\r\n"), 200);
}

TEST_F(AuthTest, RepeatedRequestsOnAKeepAliveConnection) {
    start({});
    TestClient c(server_->port());
    for (int i = 0; i < 20; ++i) {
        c.send("GET /x HTTP/1.1\r\nHost: a\r\n" + basic("bcrypt_y", "pw-y") + "\r\n");
        auto r = c.read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        c.send("GET /x HTTP/1.1\r\nHost: a\r\n" + basic("bcrypt_y", "bad") + "\r\n");
        r = c.read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401); // a cached success never stands in for other credentials
    }
}

TEST_F(AuthTest, PicksUpTheFileWhenItChanges) {
    start({});
    EXPECT_EQ(status("GET", basic("sha1", "pw-s")), 200);
    auto changed = htpasswd_line("-B -C 5", "sha1", "new-password");
    auto added = htpasswd_line("-m", "newcomer", "hello");
    ASSERT_TRUE(changed && added);
    const auto path = dir_ / "users";
    dir_.write("users", *changed + "\n" + *added + "\n");
    fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100)); // checked once a second
    EXPECT_EQ(status("GET", basic("sha1", "pw-s")), 401);         // also drops the cached success
    EXPECT_EQ(status("GET", basic("sha1", "new-password")), 200);
    EXPECT_EQ(status("GET", basic("newcomer", "hello")), 200);
    EXPECT_EQ(status("GET", basic("bcrypt_y", "pw-y")), 401);
}

TEST(AuthConfigTest, PutsTheAuthHandlerFirstAndReportsAMissingFileWithItsLine) {
    TempDir dir;
    auto line = htpasswd_line("-B -C 5", "alice", "pw");
    ASSERT_TRUE(line) << line.error();
    dir.write("users", *line + "\n");
    dir.write("www/a.txt", "a");
    const std::string good = "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n"
                             "auth = \"basic\"\nhtpasswd = \"users\"\nrealm = \"Files\"\n"
                             "readers = [\"alice\"]\nwriters = []\n";
    auto loaded = config::load_config_text(good, "quire.toml", dir.path().string());
    ASSERT_TRUE(loaded) << loaded.error().front();
    const auto& m = (*loaded)->router->hosts().at(0).mounts.at(0);
    ASSERT_EQ(m.handlers.size(), 2u);
    EXPECT_TRUE(dynamic_cast<BasicAuthHandler*>(m.handlers[0].get()));
    TestServer server(*loaded);
    auto r = http_get(server.port(), "/a.txt", basic("alice", "pw"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "a");
    EXPECT_EQ(http_get(server.port(), "/a.txt")->status, 401);

    const std::string bad = "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n"
                            "htpasswd = \"missing\"\n"
                            "[[mount]]\npath = \"/b\"\nhandler = \"static\"\nroot = \"www\"\n"
                            "writers = [\"x\"]\nauth = \"digest\"\n";
    auto e = config::load_config_text(bad, "quire.toml", dir.path().string());
    ASSERT_FALSE(e);
    std::string all;
    for (const auto& s : e.error()) {
        all += s + "\n";
    }
    EXPECT_NE(
        all.find("quire.toml:5: [[mount]] htpasswd: cannot read " + (dir / "missing").string()),
        std::string::npos)
        << all;
    EXPECT_NE(all.find("quire.toml:11: [[mount]] auth: the only scheme is \"basic\""),
              std::string::npos)
        << all;
}

TEST(AuthConfigTest, CheckConfigNamesAMissingHtpasswdFile) {
    TempDir dir;
    dir.write("quire.toml", "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \".\"\n"
                            "read_only = true\nhtpasswd = \"nope.htpasswd\"\n");
    FILE* p = ::popen(
        (quire_binary() + " check-config " + (dir / "quire.toml").string() + " 2>&1").c_str(), "r");
    ASSERT_TRUE(p);
    std::string out;
    char buf[1024];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
        out.append(buf, n);
    }
    const int st = ::pclose(p);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1) << out;
    EXPECT_NE(out.find((dir / "quire.toml").string() + ":6: [[mount]] htpasswd: cannot read"),
              std::string::npos)
        << out;
}

} // namespace
} // namespace quire::test
