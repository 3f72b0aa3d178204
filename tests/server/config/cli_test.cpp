// The `quire` command as a user runs it: a real child process.
#include "support/test_certificates.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

#include "core/unique_fd.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

namespace quire::test {
namespace {

struct Result {
    int status = -1;
    std::string output;
};

Result run(const std::string& args) {
    Result r;
    // A command that should have stopped at once but serves is killed (status 124), not waited
    // for.
    FILE* p = ::popen(("timeout 30 " + quire_binary() + " " + args + " 2>&1").c_str(), "r");
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
        r.output.append(buf, n);
    }
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

TEST(CliTest, PrintsVersionAndHelpForEveryCommand) {
    EXPECT_EQ(run("--version").output, "quire 0.1.0\n");
    for (const char* cmd : {"serve", "run", "check-config"}) {
        auto r = run(std::string(cmd) + " --help");
        EXPECT_EQ(r.status, 0) << cmd;
        EXPECT_NE(r.output.find("Usage"), std::string::npos) << cmd << r.output;
        EXPECT_EQ(run(std::string(cmd) + " --version").output, "quire 0.1.0\n");
    }
}

TEST(CliTest, CheckConfigPrintsFileLineErrorsAndExitsOne) {
    TempDir dir;
    dir.write("bad.toml", "[server]\nworkers = -1\n");
    auto bad = run("check-config " + (dir / "bad.toml").string());
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.output.find((dir / "bad.toml").string() + ":2: [server] workers:"),
              std::string::npos)
        << bad.output;
    dir.write("good.toml", "[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \".\"\n");
    auto good = run("check-config " + (dir / "good.toml").string());
    EXPECT_EQ(good.status, 0) << good.output;

    // A check creates nothing that running would (an fs share's .quire, a git repository).
    dir.write("share/a.txt", "a");
    dir.write("dav.toml", "[[mount]]\npath = \"/f\"\nhandler = \"webdav\"\nstore = \"fs:share\"\n"
                          "[[mount]]\npath = \"/g\"\nhandler = \"webdav\"\n"
                          "store = \"git:notes.git\"\n");
    auto dav = run("check-config " + (dir / "dav.toml").string());
    EXPECT_EQ(dav.status, 0) << dav.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "share/.quire"));
    EXPECT_FALSE(std::filesystem::exists(dir / "notes.git"));
}

// An htpasswd file that several mounts share has its warnings told once, not once a mount.
TEST(CliTest, AnHtpasswdFileSharedByMountsIsWarnedAboutOnce) {
    TempDir dir;
    dir.write("users", "plain:secret\n");
    dir.write("www/a", "a");
    std::string text;
    for (const char* path : {"/a", "/b", "/c"}) {
        text += std::string("[[mount]]\npath = \"") + path +
                "\"\nhandler = \"static\"\nroot = \"www\"\nhtpasswd = \"users\"\n";
    }
    dir.write("q.toml", text);
    auto r = run("check-config " + (dir / "q.toml").string());
    EXPECT_EQ(r.status, 0) << r.output;
    const std::string warning = "user 'plain': plaintext";
    const auto first = r.output.find(warning);
    ASSERT_NE(first, std::string::npos) << r.output;
    EXPECT_EQ(r.output.find(warning, first + 1), std::string::npos) << r.output;
}

// What `run` would refuse at start, `check-config` reports, on the same lines: a listener key
// that does not match its certificate, and a virtual host's certificate that is not one.
TEST(CliTest, CheckConfigAndRunRefuseUnusableCertificatesOnTheSameLines) {
    TempDir dir;
    make_certificate(dir, "localhost");
    make_certificate(dir, "other.test");
    dir.write("bad.pem", "not a certificate\n");
    dir.write("www/a", "a");
    dir.write("q.toml", "[[listen]]\naddress = \"127.0.0.1:0\"\ntls = true\n"
                        "cert = \"localhost.pem\"\nkey = \"other.test.key\"\n"
                        "[[vhost]]\nnames = [\"other.test\"]\ncert = \"bad.pem\"\n"
                        "key = \"other.test.key\"\n"
                        "[[vhost.mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n");
    const auto file = (dir / "q.toml").string();
    auto checked = run("check-config " + file);
    EXPECT_EQ(checked.status, 1) << checked.output;
    EXPECT_NE(checked.output.find(file + ":5: [[listen]] key: "), std::string::npos)
        << checked.output;
    EXPECT_NE(checked.output.find(file + ":8: [[vhost]] cert: "), std::string::npos)
        << checked.output;
    auto ran = run("run --config " + file);
    EXPECT_EQ(ran.status, 1) << ran.output;
    EXPECT_EQ(ran.output, checked.output);
}

// A folder given as the configuration file cannot be read; it is not an empty configuration.
TEST(CliTest, AFolderGivenAsTheConfigurationFileCannotBeRead) {
    TempDir dir;
    const std::string expected = dir.path().string() + ": cannot be read: Is a directory\n";
    for (const char* command : {"check-config ", "run --config "}) {
        auto r = run(command + dir.path().string());
        EXPECT_EQ(r.status, 1) << command;
        EXPECT_EQ(r.output, expected) << command;
    }
}

// With the error log in a file, a start-up failure (here: the port is taken) was written only
// there: `run` exited 1 without a word on the terminal.
TEST(CliTest, RunPrintsAStartUpFailureOnTheTerminalWhenTheErrorLogIsAFile) {
    core::UniqueFd taken(::socket(AF_INET, SOCK_STREAM, 0));
    ASSERT_TRUE(taken);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    ASSERT_EQ(::bind(taken.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(taken.get(), 1), 0);
    ASSERT_EQ(::getsockname(taken.get(), reinterpret_cast<sockaddr*>(&addr), &length), 0);
    const std::string port = std::to_string(ntohs(addr.sin_port));

    TempDir dir;
    dir.write("www/a", "a");
    dir.write("q.toml", "[log]\naccess = \"off\"\nerror = \"err.log\"\n[[listen]]\n"
                        "address = \"127.0.0.1:" +
                            port +
                            "\"\n[[mount]]\npath = \"/\"\nhandler = \"static\"\nroot = \"www\"\n");
    const auto file = (dir / "q.toml").string();
    auto r = run("run --config " + file);
    EXPECT_EQ(r.status, 1) << r.output;
    const std::string why = file + ":5: cannot listen on 127.0.0.1:" + port;
    EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
    std::ifstream log(dir / "err.log");
    std::ostringstream logged;
    logged << log.rdbuf();
    EXPECT_NE(logged.str().find(why), std::string::npos) << logged.str();
}

// The whole of a file ("" when it cannot be read).
std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

// A `quire` child serving until stopped; port() is where, from its first line of output.
class ServingChild {
public:
    explicit ServingChild(std::vector<std::string> args) {
        int out[2];
        if (::pipe(out) != 0) {
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::close(out[0]);
            std::vector<char*> argv;
            static std::string name = "quire";
            argv.push_back(name.data());
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            ::execv(quire_binary().c_str(), argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        char c;
        while (::read(out[0], &c, 1) == 1 && c != '\n') {
            line_ += c;
        }
        ::close(out[0]);
        const std::string prefix = "Quire 0.1.0 serving on http://127.0.0.1:";
        if (line_.rfind(prefix, 0) == 0) {
            port_ = static_cast<std::uint16_t>(std::stoi(line_.substr(prefix.size())));
        }
    }
    ~ServingChild() { stop(); }
    ServingChild(const ServingChild&) = delete;
    ServingChild& operator=(const ServingChild&) = delete;

    std::uint16_t port() const { return port_; }
    const std::string& first_line() const { return line_; }
    // SIGTERM, then its exit status (-1 when it did not exit).
    int stop() {
        if (pid_ <= 0) {
            return -1;
        }
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::string line_;
};

TEST(CliTest, ServePrintsItsUrlServesAndStopsCleanlyOnSigterm) {
    TempDir dir;
    dir.write("hi.txt", "quick mode");
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::close(out[0]);
        ::execl(quire_binary().c_str(), "quire", "serve", dir.path().c_str(), "--listen",
                "127.0.0.1:0", "--workers", "2", nullptr);
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') {
        line += c;
    }
    const std::string prefix = "Quire 0.1.0 serving on http://127.0.0.1:";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
    const int port = std::stoi(line.substr(prefix.size()));
    auto r = http_get(static_cast<std::uint16_t>(port), "/hi.txt");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "quick mode");
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    ::close(out[0]);
}

// Clients refuse an expired certificate: the error log says so when the server starts.
TEST(CliTest, AnExpiredCertificateIsWarnedAboutAtStart) {
    TempDir dir;
    dir.write("www/a", "a");
    const std::string key = (dir / "old.key").string();
    const std::string csr = (dir / "old.csr").string();
    const std::string cert = (dir / "old.pem").string();
    ASSERT_EQ(std::system(("openssl req -new -newkey rsa:2048 -nodes -subj /CN=old.test -keyout " +
                           key + " -out " + csr + " >/dev/null 2>&1 && openssl x509 -req -in " +
                           csr + " -signkey " + key + " -days -1 -out " + cert + " >/dev/null 2>&1")
                              .c_str()),
              0);
    dir.write("q.toml", "[log]\naccess = \"off\"\nerror = \"err.log\"\n[[listen]]\n"
                        "address = \"127.0.0.1:0\"\ntls = true\ncert = \"old.pem\"\n"
                        "key = \"old.key\"\n[[mount]]\npath = \"/\"\nhandler = \"static\"\n"
                        "root = \"www\"\n");
    ServingChild quire({"run", "--config", (dir / "q.toml").string()});
    EXPECT_EQ(quire.first_line().rfind("Quire 0.1.0 serving on https://127.0.0.1:", 0), 0u)
        << quire.first_line();
    quire.stop();
    EXPECT_NE(slurp(dir / "err.log").find(cert + ": the certificate has expired"),
              std::string::npos)
        << slurp(dir / "err.log");
}

// A request the server fails (here a PUT over the share's quota: 507) is told in the error
// log too, with what the client was told, not only in the answer's body.
TEST(CliTest, AServerSideFailureIsWrittenToTheErrorLog) {
    TempDir dir;
    dir.write("share/.keep", "");
    dir.write("q.toml", "[log]\naccess = \"off\"\nerror = \"err.log\"\n[[listen]]\n"
                        "address = \"127.0.0.1:0\"\n[[mount]]\npath = \"/dav\"\n"
                        "handler = \"webdav\"\nstore = \"fs:share\"\nquota = \"4K\"\n");
    ServingChild quire({"run", "--config", (dir / "q.toml").string()});
    ASSERT_NE(quire.port(), 0) << quire.first_line();
    TestClient client(quire.port());
    client.send("PUT /dav/big HTTP/1.1\r\nHost: a\r\nContent-Length: 8192\r\n\r\n" +
                std::string(8192, 'b'));
    auto r = client.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 507);
    quire.stop();
    EXPECT_NE(slurp(dir / "err.log").find("PUT /dav/big: 507 Insufficient Storage"),
              std::string::npos)
        << slurp(dir / "err.log");
}

// One request on a fresh connection.
std::optional<ClientResponse> request(std::uint16_t port, const std::string& head_and_body) {
    TestClient client(port);
    client.send(head_and_body);
    return client.read_response();
}

// What a read-only share answers: GET and PROPFIND as usual, every write and LOCK refused.
void expect_read_only_share(std::uint16_t port, const std::string& prefix) {
    auto get = http_get(port, prefix + "/docs/a.txt");
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 200);
    EXPECT_EQ(get->body, "archived");
    auto propfind = request(port, "PROPFIND " + prefix +
                                      "/docs/ HTTP/1.1\r\nHost: a\r\nDepth: 1\r\n"
                                      "Content-Length: 0\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(propfind);
    EXPECT_EQ(propfind->status, 207);
    EXPECT_NE(propfind->body.find("a.txt"), std::string::npos) << propfind->body;
    // The properties asked by name: answered from what the store has.
    const std::string body = "<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\"><prop>"
                             "<quota-available-bytes/><sync-token/></prop></propfind>";
    auto quota =
        request(port, "PROPFIND " + prefix +
                          "/docs/ HTTP/1.1\r\nHost: a\r\nDepth: 0\r\n"
                          "Content-Type: application/xml\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    ASSERT_TRUE(quota);
    EXPECT_EQ(quota->status, 207);
    EXPECT_NE(quota->body.find("quota-available-bytes>0<"), std::string::npos) << quota->body;
    EXPECT_NE(quota->body.find("quire.invalid/ns/sync/"), std::string::npos) << quota->body;
    EXPECT_EQ(quota->body.find("HTTP/1.1 404"), std::string::npos) << quota->body;
    auto options =
        request(port, "OPTIONS " + prefix + "/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(options);
    EXPECT_EQ(options->header("dav").value_or(""), "1, 3");
    EXPECT_EQ(options->header("allow").value_or("").find("LOCK"), std::string::npos);
    for (const std::string& write :
         {"PUT " + prefix + "/docs/new.txt", "DELETE " + prefix + "/docs/a.txt",
          "MKCOL " + prefix + "/more", "LOCK " + prefix + "/docs/a.txt",
          "PROPPATCH " + prefix + "/docs/a.txt"}) {
        auto r = request(port, write + " HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\n\r\n");
        ASSERT_TRUE(r) << write;
        EXPECT_TRUE(r->status == 403 || r->status == 405) << write << ": " << r->status;
    }
}

// A read_only mount on a folder Quire never served starts, serves GET and PROPFIND, refuses
// writes and locks, and makes nothing in the folder (no .quire, no lock table).
TEST(CliTest, AReadOnlyMountServesAFolderWithoutWritingToIt) {
    TempDir dir;
    dir.write("archive/docs/a.txt", "archived");
    dir.write("ro.toml", "[log]\naccess = \"off\"\n[[listen]]\naddress = \"127.0.0.1:0\"\n"
                         "[[mount]]\npath = \"/dav\"\nhandler = \"webdav\"\n"
                         "store = \"fs:archive\"\nread_only = true\n");
    auto checked = run("check-config " + (dir / "ro.toml").string());
    EXPECT_EQ(checked.status, 0) << checked.output;
    {
        ServingChild server({"run", "--config", (dir / "ro.toml").string()});
        ASSERT_NE(server.port(), 0) << server.first_line();
        expect_read_only_share(server.port(), "/dav");
        EXPECT_EQ(server.stop(), 0);
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "archive/.quire"));

    // A read-only sqlite or git store must exist: nothing would be made for it.
    dir.write("missing.toml", "[[mount]]\npath = \"/\"\nhandler = \"webdav\"\n"
                              "store = \"sqlite:none.db\"\nread_only = true\n");
    auto missing = run("check-config " + (dir / "missing.toml").string());
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.output.find("does not exist"), std::string::npos) << missing.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
}

// `quire serve DIR --webdav --read-only` is the same share.
TEST(CliTest, ServeReadOnlyWritesNothing) {
    TempDir dir;
    dir.write("archive/docs/a.txt", "archived");
    {
        ServingChild server({"serve", (dir / "archive").string(), "--webdav", "--read-only",
                             "--listen", "127.0.0.1:0", "--workers", "1"});
        ASSERT_NE(server.port(), 0) << server.first_line();
        expect_read_only_share(server.port(), "");
        EXPECT_EQ(server.stop(), 0);
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "archive/.quire"));
    auto without_webdav = run("serve " + (dir / "archive").string() + " --read-only");
    EXPECT_EQ(without_webdav.status, 1);
    EXPECT_NE(without_webdav.output.find("--read-only needs --webdav"), std::string::npos)
        << without_webdav.output;
}

// On a folder mounted read-only (root only: a bind mount in a mount namespace of its own), a
// writable share fails and says what serves it; --read-only serves it.
TEST(CliTest, AShareOnAReadOnlyMountNeedsReadOnly) {
    if (::geteuid() != 0 || std::system("command -v unshare >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "needs root and unshare(1) to bind-mount a folder read-only";
    }
    TempDir dir;
    dir.write("media/a.txt", "on read-only media");
    const std::string media = (dir / "media").string();
    auto in_read_only_mount = [&](const std::string& args) {
        Result r;
        const std::string script = "mount --make-rprivate / && mount --bind '" + media + "' '" +
                                   media + "' && mount -o remount,ro,bind '" + media +
                                   "' && exec timeout 3 " + quire_binary() + " " + args;
        FILE* p = ::popen(("unshare -m sh -c \"" + script + "\" 2>&1").c_str(), "r");
        char buf[4096];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
            r.output.append(buf, n);
        }
        const int st = ::pclose(p);
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        return r;
    };
    auto writable = in_read_only_mount("serve '" + media + "' --webdav --listen 127.0.0.1:0");
    if (writable.output.find("mount:") != std::string::npos ||
        writable.output.find("unshare:") != std::string::npos) {
        GTEST_SKIP() << "cannot bind-mount read-only here: " << writable.output;
    }
    EXPECT_EQ(writable.status, 1) << writable.output;
    EXPECT_NE(writable.output.find("Read-only file system (a mount with read_only = true"),
              std::string::npos)
        << writable.output;
    auto read_only =
        in_read_only_mount("serve '" + media + "' --webdav --read-only --listen 127.0.0.1:0");
    EXPECT_EQ(read_only.status, 124) << read_only.output; // served until timeout stopped it
    EXPECT_NE(read_only.output.find("serving on"), std::string::npos) << read_only.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "media/.quire"));
}

} // namespace
} // namespace quire::test
