// Starts a real Quire server in-process on 127.0.0.1 with an ephemeral port.
#pragma once

#include "config/config.hpp"
#include "core/handler.hpp"
#include "net/server.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace quire::test {

// A fresh temporary folder, removed with everything in it at the end.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    void write(const std::string& name, const std::string& content) const;

private:
    std::filesystem::path path_;
};

// The whole content of a file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& p);

// A config with one plain listener on 127.0.0.1:0 and one default vhost with the mounts given.
std::shared_ptr<config::Config> make_config(std::vector<core::Mount> mounts, unsigned workers = 1);

class TestServer {
public:
    explicit TestServer(std::shared_ptr<const config::Config> config);
    ~TestServer();
    std::uint16_t port(std::size_t listener = 0) const;
    net::Server& server() { return *server_; }

private:
    std::unique_ptr<net::Server> server_;
};

// The path of the built `quire` binary (for tests that run it as a child process).
std::string quire_binary();

} // namespace quire::test
