#include "access_log_line.hpp"

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

} // namespace

std::string combined_log_line(const asio::ip::tcp::endpoint& peer, const std::string& user,
                              const http::RequestHead& request, int status,
                              std::uint64_t body_bytes) {
    std::string line;
    line.reserve(200);
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
    append_escaped(line, request.method);
    line += ' ';
    append_escaped(line, request.target);
    line += request.version_minor == 0 ? " HTTP/1.0\" " : " HTTP/1.1\" ";
    line += std::to_string(status);
    line += ' ';
    line += body_bytes ? std::to_string(body_bytes) : "-";
    line += " \"";
    append_escaped(line, request.headers.get("Referer").value_or("-"));
    line += "\" \"";
    append_escaped(line, request.headers.get("User-Agent").value_or("-"));
    line += "\"\n";
    return line;
}

} // namespace quire::net
