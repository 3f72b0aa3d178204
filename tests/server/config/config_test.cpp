// Loading configuration files: what is accepted, and errors that name file and line.
#include "config/loader.hpp"
#include "support/test_certificates.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

namespace quire::config {
namespace {

using quire::test::TempDir;

std::vector<std::string> errors_of(const std::string& text, const std::string& base = "/tmp") {
    auto r = load_config_text(text, "quire.toml", base);
    return r ? std::vector<std::string>{} : r.error();
}

bool has(const std::vector<std::string>& errors, const std::string& needle) {
    for (const auto& e : errors) {
        if (e.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(ConfigTest, LoadsAFullConfiguration) {
    TempDir dir;
    dir.write("www/index.html", "hi");
    dir.write("404.html", "not here");
    const std::string text = R"(
[server]
workers = 2
[server.timeouts]
keepalive = 30
[server.limits]
max_body = "10M"
max_connections = 500
[log]
access = "off"
level = "warn"
[[listen]]
address = "127.0.0.1:0"
[[vhost]]
names = ["Example.org", "*.example.org"]
error_pages = { 404 = "404.html", 500 = { text = "oops" } }
[[vhost.mount]]
path = "/static/"
handler = "static"
root = "www"
listing = false
cache_control = "max-age=60"
)";
    auto r = load_config_text(text, "quire.toml", dir.path().string());
    ASSERT_TRUE(r) << r.error().front();
    const Config& c = **r;
    EXPECT_EQ(c.workers, 2u);
    EXPECT_EQ(c.timeouts.keepalive, std::chrono::seconds(30));
    EXPECT_EQ(c.limits.max_body, 10u << 20);
    EXPECT_EQ(c.limits.max_connections, 500u);
    EXPECT_EQ(c.logging.level, "warn");
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0].port, 0);
    const auto& vh = c.router->hosts().at(0);
    EXPECT_EQ(vh.names, (std::vector<std::string>{"example.org", "*.example.org"}));
    EXPECT_EQ(vh.error_pages.at(404).body, "not here");
    EXPECT_EQ(vh.error_pages.at(500).body, "oops");
    EXPECT_EQ(vh.mounts.at(0).prefix, "/static");
}

// Size units in either case, as nginx reads them; "MB" (decimal or binary?) stays refused.
TEST(ConfigTest, SizeUnitsAreReadInEitherCase) {
    TempDir dir;
    dir.write("www/a", "a");
    for (const auto& [text, bytes] : {std::pair<std::string, std::uint64_t>{"16k", 16u << 10},
                                      {"16K", 16u << 10},
                                      {"3m", 3u << 20},
                                      {"1g", 1u << 30},
                                      {"2GiB", 2ull << 30}}) {
        auto r = load_config_text("[server.limits]\nmax_body = \"" + text +
                                      "\"\n[[mount]]\npath = \"/\"\nhandler = \"static\"\n"
                                      "root = \"www\"\n",
                                  "quire.toml", dir.path().string());
        ASSERT_TRUE(r) << text << ": " << r.error().front();
        EXPECT_EQ((*r)->limits.max_body, bytes) << text;
    }
    auto e = errors_of("[server.limits]\nmax_body = \"10MB\"\n", dir.path().string());
    EXPECT_TRUE(has(e, "quire.toml:2: [server.limits] max_body: must be")) << e.front();
}

// Two virtual hosts that give one name (without regard to case): the second never gets it.
TEST(ConfigTest, ANameTwoVirtualHostsGiveIsRefused) {
    TempDir dir;
    dir.write("www/a", "a");
    const std::string mount = "[[vhost.mount]]\npath = \"/\"\nhandler = \"static\"\n"
                              "root = \"www\"\n";
    auto e = errors_of("[[vhost]]\nnames = [\"a.org\", \"b.org\"]\n" + mount +
                           "[[vhost]]\nnames = [\"A.org\"]\n" + mount,
                       dir.path().string());
    EXPECT_TRUE(has(e, "quire.toml:8: [[vhost]] names: 'a.org' is a name of an earlier"))
        << (e.empty() ? "accepted" : e.front());
}

TEST(ConfigTest, ReportsTomlSyntaxErrorsWithTheirLine) {
    auto e = errors_of("[server]\nworkers = 2\nthis is not toml\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].rfind("quire.toml:3: ", 0), 0u) << e[0];
}

TEST(ConfigTest, ReportsEveryProblemWithFileAndLine) {
    auto e = errors_of(R"([server]
workers = "two"
colour = "blue"
[[listen]]
address = "127.0.0.1:99999"
[[mount]]
path = "/"
handler = "nope"
[[mount]]
path = "/x"
handler = "static"
root = "/definitely/not/here"
)");
    EXPECT_TRUE(has(e, "quire.toml:2: [server] workers: must be an integer")) << e.size();
    EXPECT_TRUE(has(e, "quire.toml:3: [server]: unknown key 'colour'"));
    EXPECT_TRUE(has(e, "quire.toml:5: [[listen]] address: not a port number"));
    EXPECT_TRUE(has(e, "quire.toml:8: [[mount]] handler: unknown handler 'nope'"));
    EXPECT_TRUE(has(e, "quire.toml:12: [[mount]] root: cannot open the document root"));
}

// A mount whose handler is unknown has its other keys left unjudged (they are the unknown
// handler's), and a host's mounts are named as [[vhost.mount]] in messages.
TEST(ConfigTest, AnUnknownHandlersKeysAreNotUnknownAndHostMountsAreNamedAsSuch) {
    TempDir dir;
    auto e = errors_of("[[mount]]\npath = \"/\"\nhandler = \"nope\"\nroot = \"www\"\n"
                       "[[vhost]]\nnames = [\"a.org\"]\n[[vhost.mount]]\npath = \"/\"\n"
                       "handler = \"static\"\nroot = \"/definitely/not/here\"\n",
                       dir.path().string());
    EXPECT_TRUE(has(e, "quire.toml:3: [[mount]] handler: unknown handler 'nope'"));
    EXPECT_FALSE(has(e, "unknown key 'root'")) << e.front();
    EXPECT_TRUE(has(e, "quire.toml:10: [[vhost.mount]] root: cannot open the document root"))
        << e.back();
}

TEST(ConfigTest, RefusesDuplicateMountsAndBadPaths) {
    TempDir dir;
    auto e = errors_of("[[mount]]\npath = \"/a\"\nhandler = \"static\"\nroot = \".\"\n"
                       "[[mount]]\npath = \"/a/\"\nhandler = \"static\"\nroot = \".\"\n"
                       "[[mount]]\npath = \"/../b\"\nhandler = \"static\"\nroot = \".\"\n",
                       dir.path().string());
    EXPECT_TRUE(
        has(e, "quire.toml:6: [[mount]] path: another mount of this host has the same path"));
    EXPECT_TRUE(has(e, "quire.toml:10: [[mount]] path: not a valid path"));
}

TEST(ConfigTest, RequiresCertificatesForTls) {
    auto e = errors_of("[[listen]]\naddress = \":8443\"\ntls = true\n[[mount]]\npath = \"/\"\n"
                       "handler = \"static\"\nroot = \"/tmp\"\n");
    EXPECT_TRUE(has(e, "quire.toml:1: [[listen]]: a TLS listener needs cert and key"));
}

// Certificates for the TLS checks: localhost's and other.test's pairs, a file that is not a
// certificate, and a folder to serve.
class TlsConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        test::make_certificate(dir, "localhost");
        test::make_certificate(dir, "other.test");
        dir.write("bad.pem", "not a certificate\n");
        dir.write("www/a", "a");
    }
    TempDir dir;
};

// A certificate or key that the server could not load is refused on its own line, by a check
// as by a run (a check used to accept what stopped `run`).
TEST_F(TlsConfigTest, AnUnusableListenerCertificateOrKeyIsNamedOnItsLine) {
    auto text = [](const std::string& cert, const std::string& key) {
        return "[[listen]]\naddress = \"127.0.0.1:0\"\ntls = true\ncert = \"" + cert +
               "\"\nkey = \"" + key +
               "\"\n[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n";
    };
    const auto at = [&](const std::string& file) { return (dir / file).string() + ": "; };
    for (Purpose purpose : {Purpose::check, Purpose::run}) {
        auto errors = [&](const std::string& cert, const std::string& key) {
            auto r = load_config_text(text(cert, key), "quire.toml", dir.path().string(), purpose);
            return r ? std::vector<std::string>{} : r.error();
        };
        auto e = errors("bad.pem", "localhost.key");
        EXPECT_TRUE(has(e, "quire.toml:4: [[listen]] cert: " + at("bad.pem") +
                               "cannot load the certificate chain"))
            << (e.empty() ? "accepted" : e.front());
        e = errors("localhost.pem", "bad.pem");
        EXPECT_TRUE(has(e, "quire.toml:5: [[listen]] key: " + at("bad.pem")))
            << (e.empty() ? "accepted" : e.front());
        e = errors("localhost.pem", "other.test.key"); // another certificate's key
        EXPECT_TRUE(has(e, "quire.toml:5: [[listen]] key: " + at("other.test.key") +
                               "the private key does not match the first certificate in " +
                               (dir / "localhost.pem").string()))
            << (e.empty() ? "accepted" : e.front());
        e = errors("localhost.pem", "localhost.key");
        EXPECT_TRUE(e.empty()) << e.front();
    }
}

// A virtual host's cert and key are checked as a listener's are (they were not checked at
// all, and `run` blamed the listener's address line), on the vhost's own lines.
TEST_F(TlsConfigTest, AVirtualHostsCertificateAndKeyAreNamedOnTheirLines) {
    auto text = [](const std::string& cert, const std::string& key) {
        return "[[listen]]\naddress = \"127.0.0.1:0\"\ntls = true\ncert = \"localhost.pem\"\n"
               "key = \"localhost.key\"\n[[vhost]]\nnames = [\"other.test\"]\ncert = \"" +
               cert + "\"\nkey = \"" + key +
               "\"\n[[vhost.mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n";
    };
    const auto at = [&](const std::string& file) { return (dir / file).string(); };
    for (Purpose purpose : {Purpose::check, Purpose::run}) {
        auto errors = [&](const std::string& cert, const std::string& key) {
            auto r = load_config_text(text(cert, key), "quire.toml", dir.path().string(), purpose);
            return r ? std::vector<std::string>{} : r.error();
        };
        auto e = errors("nope.pem", "other.test.key");
        EXPECT_TRUE(has(e, "quire.toml:8: [[vhost]] cert: no such file: " + at("nope.pem")))
            << (e.empty() ? "accepted" : e.front());
        e = errors("other.test.pem", "nope.key");
        EXPECT_TRUE(has(e, "quire.toml:9: [[vhost]] key: no such file: " + at("nope.key")))
            << (e.empty() ? "accepted" : e.front());
        e = errors("bad.pem", "other.test.key");
        EXPECT_TRUE(has(e, "quire.toml:8: [[vhost]] cert: " + at("bad.pem") +
                               ": cannot load the certificate chain"))
            << (e.empty() ? "accepted" : e.front());
        e = errors("other.test.pem", "localhost.key");
        EXPECT_TRUE(has(e, "quire.toml:9: [[vhost]] key: " + at("localhost.key") + ": "))
            << (e.empty() ? "accepted" : e.front());
        e = errors("other.test.pem", "other.test.key");
        EXPECT_TRUE(e.empty()) << e.front();
    }
}

// A listener with cert and key but no tls = true would serve plain HTTP where HTTPS was
// meant; a folder given as a file is named so; an encrypted key is refused with what to do
// (OpenSSL would ask for its pass phrase on the terminal and wait).
TEST_F(TlsConfigTest, CertWithoutTlsAFolderAndAnEncryptedKeyAreClearErrors) {
    ASSERT_EQ(std::system(("openssl pkey -in " + (dir / "localhost.key").string() +
                           " -aes256 -passout pass:secret -out " +
                           (dir / "encrypted.key").string() + " 2>/dev/null")
                              .c_str()),
              0);
    std::filesystem::create_directory(dir / "folder.pem");
    const std::string mounts = "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n";
    auto errors = [&](const std::string& listener) {
        auto r = load_config_text("[[listen]]\naddress = \"127.0.0.1:0\"\n" + listener + mounts,
                                  "quire.toml", dir.path().string(), Purpose::check);
        return r ? std::vector<std::string>{} : r.error();
    };
    auto e = errors("cert = \"localhost.pem\"\nkey = \"localhost.key\"\n");
    EXPECT_TRUE(has(e, "quire.toml:3: [[listen]] cert: cert and key are used only with tls = "
                       "true on this listener"))
        << (e.empty() ? "accepted" : e.front());
    e = errors("tls = true\ncert = \"folder.pem\"\nkey = \"localhost.key\"\n");
    EXPECT_TRUE(has(e, "quire.toml:4: [[listen]] cert: a folder, not a PEM file: " +
                           (dir / "folder.pem").string()))
        << (e.empty() ? "accepted" : e.front());
    e = errors("tls = true\ncert = \"localhost.pem\"\nkey = \"encrypted.key\"\n");
    EXPECT_TRUE(has(e, "quire.toml:5: [[listen]] key: " + (dir / "encrypted.key").string() +
                           ": the private key is encrypted"))
        << (e.empty() ? "accepted" : e.front());
}

TEST(ConfigTest, ReadsAListenersSocketOptions) {
    TempDir dir;
    dir.write("www/a", "a");
    const std::string mounts = "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n";
    const std::string listeners = R"([[listen]]
address = "127.0.0.1:0"
[[listen]]
address = "127.0.0.1:0"
tcp_notsent_lowat = "16K"
tcp_defer_accept = 0
)";
    auto r = load_config_text(listeners + mounts, "quire.toml", dir.path().string());
    ASSERT_TRUE(r) << r.error().front();
    EXPECT_EQ((*r)->listeners.at(0).tcp_notsent_lowat, 32u * 1024); // the defaults
    EXPECT_EQ((*r)->listeners.at(0).tcp_defer_accept, 1u);
    EXPECT_EQ((*r)->listeners.at(1).tcp_notsent_lowat, 16u * 1024);
    EXPECT_EQ((*r)->listeners.at(1).tcp_defer_accept, 0u);
    const std::string bad = R"([[listen]]
address = ":80"
tcp_notsent_lowat = "2G"
[[listen]]
address = ":81"
tcp_notsent_lowat = -1
tcp_defer_accept = 7200
)";
    auto e = errors_of(bad + mounts, dir.path().string());
    EXPECT_TRUE(has(e, "quire.toml:3: [[listen]] tcp_notsent_lowat: must be at most 1G"));
    EXPECT_TRUE(has(e, "quire.toml:6: [[listen]] tcp_notsent_lowat: must not be negative"));
    EXPECT_TRUE(has(e, "quire.toml:7: [[listen]] tcp_defer_accept: must be between 0 and 3600"));
}

// Two listeners that want one socket passed the check and stopped `run` ("address in use"):
// the second is refused on its address line. Port 0 never clashes, nor do an IPv4 and an IPv6
// address (IPv6 listeners are v6-only).
TEST(ConfigTest, ListenersOnOneSocketAreRefusedOnTheSecondsAddressLine) {
    TempDir dir;
    dir.write("www/a", "a");
    auto errors = [&](const std::string& first, const std::string& second) {
        return errors_of("[[listen]]\naddress = \"" + first + "\"\n[[listen]]\naddress = \"" +
                             second +
                             "\"\n[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n",
                         dir.path().string());
    };
    auto e = errors("127.0.0.1:8080", "127.0.0.1:8080");
    EXPECT_TRUE(has(e, "quire.toml:4: [[listen]] address: 127.0.0.1:8080 is already listened on "
                       "at line 2"))
        << (e.empty() ? "accepted" : e.front());
    e = errors("127.0.0.1:8080", "*:8080");
    EXPECT_TRUE(has(e, "quire.toml:4: [[listen]] address: *:8080 overlaps 127.0.0.1:8080, "
                       "already listened on at line 2"))
        << (e.empty() ? "accepted" : e.front());
    const std::pair<const char*, const char*> clashing[] = {
        {"*:8080", "127.0.0.1:8080"},   {"0.0.0.0:8080", "10.1.2.3:8080"},
        {"*:8080", "0.0.0.0:8080"},     {"127.0.0.1:8080", "localhost:8080"},
        {"[::1]:8080", "[::]:8080"},    {"[::]:8080", "[0::1]:8080"},
        {"[::1]:8080", "[0:0::1]:8080"}};
    for (const auto& [first, second] : clashing) {
        e = errors(first, second);
        EXPECT_TRUE(has(e, "quire.toml:4: [[listen]] address: ") &&
                    has(e, "already listened on at line 2"))
            << first << " then " << second << ": " << (e.empty() ? "accepted" : e.front());
    }
    const std::pair<const char*, const char*> apart[] = {{"127.0.0.1:0", "127.0.0.1:0"},
                                                         {"*:0", "127.0.0.1:0"},
                                                         {"127.0.0.1:8080", "127.0.0.1:8081"},
                                                         {"127.0.0.1:8080", "127.0.0.2:8080"},
                                                         {"*:8080", "[::]:8080"},
                                                         {"127.0.0.1:8080", "[::1]:8080"}};
    for (const auto& [first, second] : apart) {
        e = errors(first, second);
        EXPECT_TRUE(e.empty()) << first << " then " << second << ": " << e.front();
    }
}

TEST(ConfigTest, ParsesListenAddresses) {
    EXPECT_EQ(parse_listen_address("127.0.0.1:80")->second, 80);
    EXPECT_EQ(parse_listen_address("[::1]:8443")->first, "::1");
    EXPECT_EQ(parse_listen_address(":8080")->first, "127.0.0.1");
    EXPECT_FALSE(parse_listen_address("8080"));
    EXPECT_FALSE(parse_listen_address("a:b"));
    EXPECT_FALSE(parse_listen_address("[::1]8080"));
    // The host must be an IP address (or *, localhost): a mistyped one fails the check, not
    // the start.
    EXPECT_EQ(parse_listen_address("*:80")->first, "*");
    EXPECT_EQ(parse_listen_address("localhost:80")->first, "localhost");
    EXPECT_EQ(parse_listen_address("0.0.0.0:80")->first, "0.0.0.0");
    EXPECT_FALSE(parse_listen_address("999.1.1.1:80"));
    EXPECT_FALSE(parse_listen_address("example.org:80"));
    EXPECT_FALSE(parse_listen_address("[::g]:80"));
}

TEST(ConfigTest, ABadListenAddressIsNamedOnItsOwnLine) {
    auto loaded = load_config_text("[[listen]]\n\naddress = \"999.1.1.1:80\"\n", "q.toml", "/");
    ASSERT_FALSE(loaded);
    ASSERT_FALSE(loaded.error().empty());
    EXPECT_NE(loaded.error().front().find("q.toml:3:"), std::string::npos)
        << loaded.error().front();
    EXPECT_NE(loaded.error().front().find("999.1.1.1"), std::string::npos)
        << loaded.error().front();
}

// A lock table that cannot be opened is blamed on the `locks` line that names it.
TEST(ConfigTest, AnUnopenableLockTableIsNamedOnItsLocksLine) {
    TempDir dir;
    dir.write("share/a.txt", "a");
    const auto errors = errors_of("[[listen]]\naddress = \"127.0.0.1:0\"\n[[mount]]\n"
                                  "path = \"/dav\"\nhandler = \"webdav\"\nstore = \"fs:share\"\n"
                                  "locks = \"no/such/folder/locks.db\"\n",
                                  dir.path().string());
    ASSERT_FALSE(errors.empty());
    EXPECT_TRUE(has(errors, "quire.toml:7: [[mount]] locks:")) << errors.front(); // not store (6)
    EXPECT_TRUE(has(errors, "locks")) << errors.front();
}

// lock_timeout (what a LOCK without Timeout gets) above max_lock_timeout (the most any lock
// gets) was accepted, and granted; given, it is refused on its line; the built-in 600 s is
// lowered to a smaller maximum.
TEST(ConfigTest, ALockTimeoutAboveTheMaximumIsNamedOnItsLine) {
    TempDir dir;
    dir.write("share/a.txt", "a");
    auto mount = [](const std::string& timeouts) {
        return "[[mount]]\npath = \"/dav\"\nhandler = \"webdav\"\nstore = \"fs:share\"\n" +
               timeouts;
    };
    for (Purpose purpose : {Purpose::check, Purpose::run}) {
        auto errors = [&](const std::string& text) {
            auto r = load_config_text(text, "quire.toml", dir.path().string(), purpose);
            return r ? std::vector<std::string>{} : r.error();
        };
        auto e = errors(mount("lock_timeout = 600\nmax_lock_timeout = 10\n"));
        EXPECT_TRUE(has(e, "quire.toml:5: [[mount]] lock_timeout: more than max_lock_timeout "
                           "(10 seconds)"))
            << (e.empty() ? "accepted" : e.front());
        e = errors(mount("lock_timeout = 2592000\n")); // 30 days; the maximum is 7 by default
        EXPECT_TRUE(has(e, "quire.toml:5: [[mount]] lock_timeout: more than max_lock_timeout "
                           "(604800 seconds)"))
            << (e.empty() ? "accepted" : e.front());
        e = errors(mount("lock_timeout = 10\nmax_lock_timeout = 10\n"));
        EXPECT_TRUE(e.empty()) << e.front();
    }
    auto loaded = load_config_text("[[listen]]\naddress = \"127.0.0.1:0\"\n" +
                                       mount("max_lock_timeout = 10\n"),
                                   "quire.toml", dir.path().string());
    ASSERT_TRUE(loaded) << loaded.error().front();
    test::TestServer server(*loaded);
    const std::string lockinfo =
        "<?xml version=\"1.0\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/>"
        "</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>";
    test::TestClient client(server.port());
    client.send("LOCK /dav/a.txt HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/xml\r\n"
                "Content-Length: " +
                std::to_string(lockinfo.size()) + "\r\nConnection: close\r\n\r\n" + lockinfo);
    auto locked = client.read_response();
    ASSERT_TRUE(locked);
    EXPECT_EQ(locked->status, 200) << locked->body;
    EXPECT_NE(locked->body.find("Second-10<"), std::string::npos) << locked->body;
}

// Two mounts of one store (however its path is spelt) with two lock tables: a lock taken
// through one would not stop writes through the other. Refused on the second mount's locks
// line, or its store line when the locks are its default ones.
TEST(ConfigTest, AStoreMountedTwiceMustKeepOneLockTable) {
    TempDir dir;
    dir.write("share/a.txt", "a");
    dir.write("other/a.txt", "a");
    dir.write("lk/keep", "");
    std::filesystem::create_directory_symlink(dir / "share", dir / "link");
    const auto share = std::filesystem::weakly_canonical(dir / "share").string();
    auto mount = [](const std::string& path, const std::string& store,
                    const std::string& locks = "") {
        return "[[mount]]\npath = \"" + path + "\"\nhandler = \"webdav\"\nstore = \"" + store +
               "\"\n" + (locks.empty() ? "" : "locks = \"" + locks + "\"\n");
    };
    const std::string bypass = "a lock taken through one mount would not stop writes through "
                               "the other";
    for (Purpose purpose : {Purpose::check, Purpose::run}) {
        auto errors = [&](const std::string& text) {
            auto r = load_config_text(text, "quire.toml", dir.path().string(), purpose);
            return r ? std::vector<std::string>{} : r.error();
        };
        auto e = errors(mount("/a", "fs:share") + mount("/b", "fs:share", "lk/locks.db"));
        EXPECT_TRUE(has(e, "quire.toml:9: [[mount]] locks: the store fs:" + share +
                               " is also mounted at line 4") &&
                    has(e, bypass))
            << (e.empty() ? "accepted" : e.front());
        e = errors(mount("/a", "fs:share", "lk/locks.db") + mount("/b", "fs:link"));
        EXPECT_TRUE(has(e, "quire.toml:9: [[mount]] store: the store fs:" + share +
                               " is also mounted at line 4") &&
                    has(e, bypass))
            << (e.empty() ? "accepted" : e.front());
        // One table, however spelt, is fine; so are other stores with their own tables.
        e = errors(mount("/a", "fs:share") + mount("/b", "fs:./share/"));
        EXPECT_TRUE(e.empty()) << e.front();
        e = errors(mount("/a", "fs:share", "lk/locks.db") +
                   mount("/b", "fs:" + share, (dir / "lk/../lk/locks.db").string()));
        EXPECT_TRUE(e.empty()) << e.front();
        e = errors(mount("/a", "fs:share") + mount("/b", "fs:other", "lk/other-locks.db"));
        EXPECT_TRUE(e.empty()) << e.front();
    }
}

// `quire check-config` checks a webdav mount's store and lock table where they would be
// opened, and creates none of them (running would: an fs share's .quire, the SQLite file,
// the git repository).
TEST(ConfigTest, CheckingAConfigurationCreatesNothing) {
    TempDir dir;
    dir.write("share/a.txt", "a");
    dir.write("data/keep", "");
    dir.write("repos/keep", "");
    const std::string text =
        "[[mount]]\npath = \"/files\"\nhandler = \"webdav\"\nstore = \"fs:share\"\n"
        "locks = \"data/files-locks.db\"\n"
        "[[mount]]\npath = \"/db\"\nhandler = \"webdav\"\nstore = \"sqlite:data/s.db\"\n"
        "[[mount]]\npath = \"/notes\"\nhandler = \"webdav\"\nstore = \"git:repos/notes.git\"\n";
    auto checked = load_config_text(text, "quire.toml", dir.path().string(), Purpose::check);
    ASSERT_TRUE(checked) << checked.error().front();
    for (const char* made : {"share/.quire", "data/files-locks.db", "data/s.db", "data/s.db.locks",
                             "repos/notes.git"}) {
        EXPECT_FALSE(std::filesystem::exists(dir / made)) << made << " was created by a check";
    }
    // Running it creates them.
    auto run = load_config_text(text, "quire.toml", dir.path().string());
    ASSERT_TRUE(run) << run.error().front();
    EXPECT_TRUE(std::filesystem::exists(dir / "share/.quire"));
    EXPECT_TRUE(std::filesystem::exists(dir / "repos/notes.git/HEAD"));
}

// What running would refuse, or create where the path was likely mistyped, is named on its
// line by a check, and a mistyped git path is refused when running too.
TEST(ConfigTest, CheckingNamesAStoreOrLockTableThatCannotBeOnItsLine) {
    TempDir dir;
    dir.write("share/a.txt", "a");
    dir.write("not-a-repo/file", "");
    auto mount = [](const std::string& store, const std::string& extra = "") {
        return "[[mount]]\npath = \"/m\"\nhandler = \"webdav\"\nstore = \"" + store + "\"\n" +
               extra;
    };
    auto check = [&](const std::string& text) {
        auto r = load_config_text(text, "quire.toml", dir.path().string(), Purpose::check);
        return r ? std::vector<std::string>{} : r.error();
    };
    auto e = check(mount("fs:no-share"));
    EXPECT_TRUE(has(e, "quire.toml:4: [[mount]] store:") && has(e, "is not a directory"))
        << (e.empty() ? "accepted" : e.front());
    e = check(mount("sqlite:nosuch/s.db"));
    EXPECT_TRUE(has(e, "quire.toml:4:") && has(e, "nosuch does not exist"))
        << (e.empty() ? "accepted" : e.front());
    e = check(mount("git:typo/notes.git"));
    EXPECT_TRUE(has(e, "quire.toml:4:") && has(e, "typo does not exist"))
        << (e.empty() ? "accepted" : e.front());
    e = check(mount("git:not-a-repo"));
    EXPECT_TRUE(has(e, "is not a bare git repository")) << (e.empty() ? "accepted" : e.front());
    e = check(mount("fs:share", "locks = \"nosuch/locks.db\"\n"));
    EXPECT_TRUE(has(e, "quire.toml:5: [[mount]] locks:")) << (e.empty() ? "accepted" : e.front());
    e = check(mount("ftp:share"));
    EXPECT_TRUE(has(e, "unknown store kind 'ftp'")) << (e.empty() ? "accepted" : e.front());
    EXPECT_FALSE(std::filesystem::exists(dir / "share/.quire"));

    const auto ran =
        load_config_text(mount("git:typo/notes.git"), "quire.toml", dir.path().string());
    ASSERT_FALSE(ran);
    EXPECT_TRUE(has(ran.error(), "typo does not exist")) << ran.error().front();
    EXPECT_FALSE(std::filesystem::exists(dir / "typo"));
}

// A mime_types file the configuration names must be readable; only the default
// (/etc/mime.types, missing on some systems) may be absent.
TEST(ConfigTest, AMimeTypesFileThatCannotBeReadIsNamedOnItsLine) {
    TempDir dir;
    dir.write("www/a.qtx", "a");
    dir.write("types/mime.types", "application/x-quiretest qtx\n");
    auto mount = [](const std::string& mime_types) {
        return "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\nmime_types = \"" +
               mime_types + "\"\n";
    };
    auto e = errors_of(mount("/nonexistent/mime.types"), dir.path().string());
    EXPECT_TRUE(has(e, "quire.toml:5: [[mount]] mime_types: cannot read /nonexistent/mime.types: "
                       "No such file or directory"))
        << (e.empty() ? "accepted" : e.front());
    e = errors_of(mount("types"), dir.path().string());
    EXPECT_TRUE(has(e, "quire.toml:5: [[mount]] mime_types: cannot read " +
                           (dir / "types").string() + ": Is a directory"))
        << (e.empty() ? "accepted" : e.front());
    auto ok = load_config_text(mount("types/mime.types"), "quire.toml", dir.path().string(),
                               Purpose::check);
    EXPECT_TRUE(ok) << ok.error().front();
    const std::string no_key = "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n";
    auto by_default = load_config_text(no_key, "quire.toml", dir.path().string());
    EXPECT_TRUE(by_default) << by_default.error().front();
}

// A folder given as the configuration file cannot be read, as a missing file cannot: it is not
// an empty configuration ("nothing to serve").
TEST(ConfigTest, AFolderGivenAsTheConfigurationFileCannotBeRead) {
    TempDir dir;
    for (Purpose purpose : {Purpose::run, Purpose::check}) {
        auto loaded = load_config_file(dir.path().string(), purpose);
        ASSERT_FALSE(loaded);
        EXPECT_EQ(loaded.error(), std::vector<std::string>{dir.path().string() +
                                                           ": cannot be read: Is a directory"});
    }
    const auto missing = (dir / "nope.toml").string();
    auto loaded = load_config_file(missing);
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error(),
              std::vector<std::string>{missing + ": cannot be read: No such file or directory"});
}

TEST(ConfigTest, ServesWhatAConfigurationFileDescribes) {
    TempDir dir;
    dir.write("site/a/file.txt", "from config");
    dir.write("quire.toml", "[[listen]]\naddress = \"127.0.0.1:0\"\n[[mount]]\npath = \"/files\"\n"
                            "handler = \"static\"\nroot = \"site\"\n");
    auto loaded = load_config_file((dir / "quire.toml").string());
    ASSERT_TRUE(loaded) << loaded.error().front();
    test::TestServer server(*loaded);
    auto r = test::http_get(server.port(), "/files/a/file.txt");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "from config");
    EXPECT_EQ(test::http_get(server.port(), "/a/file.txt")->status, 404); // outside any mount
}

} // namespace
} // namespace quire::config
