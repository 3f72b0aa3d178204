// The WebDAV handler over real sockets and a real store, one per backend (the test's
// parameter: fs, fs_quick, sqlite, git), and the requests the tests send it.
#pragma once

#include "../storage/testing.hpp"
#include "handlers/webdav/webdav_config.hpp"
#include "support/test_client.hpp"
#include "support/test_handlers.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace quire::test {

struct Reply {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;
};

class DavTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { start(); }

    std::string spec() const {
        const auto& kind = GetParam();
        if (kind == "fs" || kind == "fs_quick") {
            return "fs:" + (dir_ / "share").string();
        }
        if (kind == "sqlite") {
            return "sqlite:" + (dir_ / "share.db").string();
        }
        return "git:" + (dir_ / "share.git").string();
    }

    void start(bool depth_infinity = true, std::string principal = {}) {
        server_.reset();
        std::filesystem::create_directories(dir_ / "share");
        handlers::WebdavSettings s;
        s.store = spec();
        s.locks = locks_file_.empty() ? (dir_ / "locks.db").string() : locks_file_;
        s.depth_infinity = depth_infinity;
        s.durable = GetParam() != "fs_quick"; // fs_quick: puts and moves through the journal
        s.max_xml_body = 4096;
        s.refuse_macos_metadata = refuse_macos_metadata_;
        s.follow_symlinks = follow_symlinks_;
        s.quota = quota_;
        auto dav = handlers::make_webdav_handler(s, dir_.path());
        ASSERT_TRUE(dav) << dav.error().message;
        core::Mount m{"/dav", {}, {}};
        if (!principal.empty()) {
            // Stands in for the authentication phase: sets the user, lets the next handler on.
            m.handlers.push_back(std::make_shared<LambdaHandler>(
                [principal](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
                    ex.principal = principal;
                    co_return core::Outcome::next;
                }));
        }
        if (principal_from_header_) {
            // Stands in for an authentication phase with several users: X-Test-User names one.
            m.handlers.push_back(std::make_shared<LambdaHandler>(
                [](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
                    ex.principal =
                        std::string(ex.request().headers.get("X-Test-User").value_or(""));
                    co_return core::Outcome::next;
                }));
        }
        if (read_only_client_) {
            // Stands in for an authentication phase that lets the client only read.
            m.handlers.push_back(std::make_shared<LambdaHandler>(
                [](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
                    ex.may_write = false;
                    co_return core::Outcome::next;
                }));
        }
        m.handlers.push_back(*dav);
        server_ = std::make_unique<TestServer>(make_config({std::move(m)}));
    }

    Reply call(const std::string& method, const std::string& path, const std::string& body = {},
               const std::string& headers = {}) {
        std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
        if (!body.empty() || method == "PUT") {
            req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        }
        req += "Connection: close\r\n\r\n" + body;
        return raw(req, method == "HEAD");
    }

    // A request written out whole (head and body), on a connection of its own.
    Reply raw(const std::string& request, bool head = false) {
        TestClient c(server_->port());
        c.send(request);
        auto r = c.read_response(head);
        Reply out;
        if (r) {
            out.status = r->status;
            out.body = r->body;
            for (const auto& [k, v] : r->headers) {
                out.headers[k] = v;
            }
        }
        return out;
    }

    static int count(const std::string& text, const std::string& what) {
        int n = 0;
        for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) {
            ++n;
        }
        return n;
    }

    TempDir dir_;
    std::unique_ptr<TestServer> server_;
    bool refuse_macos_metadata_ = false;
    std::optional<std::uint64_t> quota_; // the mount's `quota`, in bytes
    bool read_only_client_ = false;      // as if authentication let the client only read
    bool follow_symlinks_ = false;       // the mount's follow_symlinks (fs)
    bool principal_from_header_ = false; // the user is the request's X-Test-User
    std::string locks_file_;             // the lock table's file ("": locks.db in dir_)
};

inline constexpr const char* lockinfo =
    "<?xml version=\"1.0\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/>"
    "</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>me</D:owner></D:lockinfo>";

} // namespace quire::test
