// A blocking HTTP/1.1 test client over a real TCP socket: sends raw bytes, reads responses
// (Content-Length, chunked, or until close). Deliberately independent of the server's parser.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace quire::test {

struct ClientResponse {
    int status = 0;
    std::string status_line;
    std::multimap<std::string, std::string> headers; // names lower-cased
    std::string body;
    bool chunked = false;

    std::optional<std::string> header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
};

class TestClient {
public:
    explicit TestClient(std::uint16_t port, const char* host = "127.0.0.1");
    ~TestClient();
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

    bool connected() const { return fd_ >= 0; }
    void send(const std::string& bytes);
    // Reads one response; head_only for answers to HEAD (no body whatever the headers say).
    std::optional<ClientResponse> read_response(bool head_only = false);
    // As read_response, but the body goes to sink piece by piece (at most 64 KiB at a time)
    // instead of into ClientResponse::body: for bodies too large to hold.
    using BodySink = std::function<void(std::string_view)>;
    std::optional<ClientResponse> read_response_streamed(const BodySink& sink);
    // Sends a head with Expect: 100-continue, then the body once the 100 Continue came, and
    // returns the final response; an answer other than 100 to the head is returned as it is
    // (the body not sent).
    std::optional<ClientResponse> send_after_continue(const std::string& head,
                                                      const std::string& body);
    // Reads until the server closes; returns what arrived.
    std::string read_until_close();
    // True when the server has closed the connection (reads end of stream).
    bool closed_by_peer();
    // Reads exactly n raw bytes (or fewer at end of stream).
    std::string read_raw(std::size_t n);
    void shutdown_write();
    int fd() const { return fd_; }

private:
    std::optional<ClientResponse> read_response_to(bool head_only, const BodySink* sink);
    bool fill();
    std::optional<std::string> read_line();

    int fd_ = -1;
    std::string buf_;
};

// One request on a fresh connection with Connection: close.
std::optional<ClientResponse> http_get(std::uint16_t port, const std::string& path,
                                       const std::string& extra_headers = "");

} // namespace quire::test
