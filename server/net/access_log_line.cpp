#include "access_log_line.hpp"

#include <algorithm>
#include <ctime>

namespace quire::net {

namespace {

// Quotes a field value for the log: '"' and '\' escaped, control bytes as \xHH, so a request
// cannot forge log lines.
void append_escaped(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
}

// Everything up to the request: "HOST - USER [DATE] \"".
void append_prefix(std::string& line, const asio::ip::tcp::endpoint& peer, std::string_view user) {
    line += peer.address().to_string();
    line += " - ";
    if (user.empty()) {
        line += '-';
    } else {
        append_escaped(line, user);
    }
    char when[40];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(when, sizeof when, " [%d/%b/%Y:%H:%M:%S +0000] \"", &tm);
    line += when;
}

// Everything after the request: "\" STATUS BYTES \"REFERER\" \"AGENT\"\n".
void append_suffix(std::string& line, int status, std::uint64_t body_bytes,
                   std::string_view referer, std::string_view agent) {
    line += "\" ";
    line += std::to_string(status);
    line += ' ';
    line += body_bytes ? std::to_string(body_bytes) : "-";
    line += " \"";
    append_escaped(line, referer);
    line += "\" \"";
    append_escaped(line, agent);
    line += "\"\n";
}

} // namespace

std::string combined_log_line(const asio::ip::tcp::endpoint& peer, const std::string& user,
                              const http::RequestHead& request, int status,
                              std::uint64_t body_bytes) {
    std::string line;
    line.reserve(200);
    append_prefix(line, peer, user);
    append_escaped(line, request.method);
    line += ' ';
    append_escaped(line, request.target);
    line += request.version_minor == 0 ? " HTTP/1.0" : " HTTP/1.1";
    append_suffix(line, status, body_bytes, request.headers.get("Referer").value_or("-"),
                  request.headers.get("User-Agent").value_or("-"));
    return line;
}

std::string refused_request_log_line(const asio::ip::tcp::endpoint& peer,
                                     std::string_view request_line, int status,
                                     std::uint64_t body_bytes) {
    std::string line;
    line.reserve(200);
    append_prefix(line, peer, {});
    append_escaped(line, request_line.empty() ? std::string_view("-") : request_line);
    append_suffix(line, status, body_bytes, "-", "-");
    return line;
}

std::string first_line_of(std::string_view received) {
    constexpr std::size_t most = 1024;
    return std::string(received.substr(0, std::min(received.find_first_of("\r\n"), most)));
}

} // namespace quire::net
