#include "test_server.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace quire::test {

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "quire-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& content) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::shared_ptr<config::Config> make_config(std::vector<core::Mount> mounts, unsigned workers) {
    auto cfg = std::make_shared<config::Config>();
    cfg->workers = workers;
    cfg->blocking_threads = 2;
    config::Listener l;
    l.host = "127.0.0.1";
    l.port = 0;
    cfg->listeners.push_back(l);
    core::VirtualHost vh;
    vh.mounts = std::move(mounts);
    std::vector<core::VirtualHost> hosts;
    hosts.push_back(std::move(vh));
    cfg->router = std::make_shared<core::Router>(std::move(hosts));
    return cfg;
}

TestServer::TestServer(std::shared_ptr<const config::Config> config) {
    auto s = net::Server::create(std::move(config));
    if (!s) {
        throw std::runtime_error("server: " + s.error());
    }
    server_ = std::move(*s);
    server_->start();
}

TestServer::~TestServer() {
    server_->stop();
    server_->wait();
}

std::uint16_t TestServer::port(std::size_t listener) const {
    return server_->endpoints().at(listener).port();
}

std::string quire_binary() {
    if (const char* p = std::getenv("QUIRE_BINARY")) {
        return p;
    }
    return QUIRE_BINARY_PATH;
}

} // namespace quire::test
