// The `quire` command as a user runs it: a real child process.
#include "support/test_certificates.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

#include "core/unique_fd.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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

// A request the server fails (here a PUT over the share's quota: 507) is told in the error
// log too, with what the client was told, not only in the answer's body.
TEST(CliTest, AServerSideFailureIsWrittenToTheErrorLog) {
    TempDir dir;
    dir.write("share/.keep", "");
    dir.write("q.toml", "[log]\naccess = \"off\"\nerror = \"err.log\"\n[[listen]]\n"
                        "address = \"127.0.0.1:0\"\n[[mount]]\npath = \"/dav\"\n"
                        "handler = \"webdav\"\nstore = \"fs:share\"\nquota = \"4K\"\n");
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const std::string config = (dir / "q.toml").string();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::close(out[0]);
        ::execl(quire_binary().c_str(), "quire", "run", "--config", config.c_str(), nullptr);
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
        line += c;
    ::close(out[0]);
    const std::string prefix = "Quire 0.1.0 serving on http://127.0.0.1:";
    ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
    const int port = std::stoi(line.substr(prefix.size()));
    TestClient client(static_cast<std::uint16_t>(port));
    client.send("PUT /dav/big HTTP/1.1\r\nHost: a\r\nContent-Length: 8192\r\n\r\n" +
                std::string(8192, 'b'));
    auto r = client.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 507);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::ifstream log(dir / "err.log");
    std::ostringstream logged;
    logged << log.rdbuf();
    EXPECT_NE(logged.str().find("PUT /dav/big: 507 Insufficient Storage"), std::string::npos)
        << logged.str();
}

} // namespace
} // namespace quire::test
