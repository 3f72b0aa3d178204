#include "test_client.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <limits>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace quire::test {

TestClient::TestClient(std::uint16_t port, const char* host) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // A safety net against a hung test, not a performance assertion.
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, host, &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

TestClient::~TestClient() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void TestClient::send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        off += static_cast<std::size_t>(n);
    }
}

void TestClient::shutdown_write() {
    ::shutdown(fd_, SHUT_WR);
}

bool TestClient::fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
        return false;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
}

std::optional<std::string> TestClient::read_line() {
    for (;;) {
        auto pos = buf_.find("\r\n");
        if (pos != std::string::npos) {
            std::string line = buf_.substr(0, pos);
            buf_.erase(0, pos + 2);
            return line;
        }
        if (!fill()) {
            return std::nullopt;
        }
    }
}

std::string TestClient::read_raw(std::size_t n) {
    while (buf_.size() < n && fill()) {
    }
    std::string out = buf_.substr(0, std::min(n, buf_.size()));
    buf_.erase(0, out.size());
    return out;
}

std::optional<ClientResponse> TestClient::send_after_continue(const std::string& head,
                                                              const std::string& body) {
    send(head);
    auto interim = read_response();
    if (!interim || interim->status != 100) {
        return interim;
    }
    send(body);
    return read_response();
}

std::optional<ClientResponse> TestClient::read_response(bool head_only) {
    return read_response_to(head_only, nullptr);
}

std::optional<ClientResponse> TestClient::read_response_streamed(const BodySink& sink) {
    return read_response_to(false, &sink);
}

std::optional<ClientResponse> TestClient::read_response_to(bool head_only, const BodySink* sink) {
    ClientResponse r;
    constexpr std::size_t piece = 64u << 10;
    // Reads n bytes of body (fewer at end of stream) into r.body or the sink.
    auto take = [&](std::size_t n) {
        while (n > 0) {
            const auto part = read_raw(std::min(n, piece));
            if (part.empty()) {
                return;
            }
            n -= part.size();
            if (sink) {
                (*sink)(part);
            } else {
                r.body += part;
            }
        }
    };
    auto status = read_line();
    if (!status) {
        return std::nullopt;
    }
    r.status_line = *status;
    if (status->size() < 12 || status->compare(0, 5, "HTTP/") != 0) {
        return std::nullopt;
    }
    r.status = std::stoi(status->substr(9, 3));
    for (;;) {
        auto line = read_line();
        if (!line) {
            return std::nullopt;
        }
        if (line->empty()) {
            break;
        }
        auto colon = line->find(':');
        std::string name = line->substr(0, colon);
        for (auto& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string value = line->substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
            value.erase(0, 1);
        }
        r.headers.emplace(name, value);
    }
    if (r.status < 200) {
        return r; // interim response: no body
    }
    if (head_only || r.status == 204 || r.status == 304) {
        return r;
    }
    if (auto te = r.header("transfer-encoding"); te && te->find("chunked") != std::string::npos) {
        r.chunked = true;
        for (;;) {
            auto size_line = read_line();
            if (!size_line) {
                return std::nullopt;
            }
            std::size_t size = std::stoul(*size_line, nullptr, 16);
            if (size == 0) {
                while (auto trailer = read_line()) {
                    if (trailer->empty()) {
                        break;
                    }
                }
                break;
            }
            take(size);
            read_line();
        }
    } else if (auto len = r.header("content-length")) {
        take(std::stoul(*len));
    } else {
        take(std::numeric_limits<std::size_t>::max());
    }
    return r;
}

std::string TestClient::read_until_close() {
    while (fill()) {
    }
    std::string out;
    out.swap(buf_);
    return out;
}

bool TestClient::closed_by_peer() {
    if (!buf_.empty()) {
        return false;
    }
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n == 1) {
        buf_.push_back(c);
        return false;
    }
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

std::optional<ClientResponse> http_get(std::uint16_t port, const std::string& path,
                                       const std::string& extra_headers) {
    TestClient c(port);
    if (!c.connected()) {
        return std::nullopt;
    }
    c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra_headers +
           "\r\n");
    return c.read_response();
}

} // namespace quire::test
