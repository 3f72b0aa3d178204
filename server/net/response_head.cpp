#include "response_head.hpp"

#include "http/headers.hpp"
#include "http/status.hpp"

#include <charconv>
#include <cstring>

namespace quire::net {

namespace {

bool is_framing_field(std::string_view name) {
    // Cheap length check first: most fields are none of these.
    switch (name.size()) {
    case 10:
        return http::iequals(name, "Connection");
    case 14:
        return http::iequals(name, "Content-Length");
    case 17:
        return http::iequals(name, "Transfer-Encoding");
    default:
        return false;
    }
}

// Writes at a cursor into storage sized beforehand for everything written: no capacity
// check and no out-of-line append per piece (std::string::append per piece was 8% of the
// instructions of a keep-alive request for a small file).
class Cursor {
public:
    explicit Cursor(char* at) : at_(at) {}
    void put(std::string_view s) {
        std::memcpy(at_, s.data(), s.size());
        at_ += s.size();
    }
    void put(char c) { *at_++ = c; }
    void put_decimal(std::uint64_t v) { at_ = std::to_chars(at_, at_ + 20, v).ptr; }
    char* at() const { return at_; }

private:
    char* at_;
};

} // namespace

void build_response_head(std::string& out, const core::Response& r, std::string_view date,
                         const HeadFraming& framing) {
    using namespace std::string_view_literals;
    const std::string_view reason = http::reason_phrase(r.status);
    // An upper bound of what is written below: the fixed text is under 160 bytes.
    std::size_t bound = 160 + reason.size() + date.size();
    for (const auto& f : r.headers.fields()) {
        bound += f.name.size() + f.value.size() + 4;
    }
    if (r.prepared) {
        bound += r.prepared->lines.size();
    }
    out.resize(bound);
    Cursor c(out.data());
    c.put("HTTP/1.1 "sv);
    c.put_decimal(static_cast<std::uint64_t>(r.status));
    c.put(' ');
    c.put(reason);
    c.put("\r\nServer: Quire\r\nDate: "sv);
    c.put(date);
    c.put("\r\n"sv);
    for (const auto& f : r.headers.fields()) {
        if (is_framing_field(f.name)) {
            continue; // the core owns the framing fields
        }
        c.put(f.name);
        c.put(": "sv);
        c.put(f.value);
        c.put("\r\n"sv);
    }
    if (r.prepared) {
        c.put(r.prepared->lines);
    }
    if (framing.length) {
        c.put("Content-Length: "sv);
        c.put_decimal(*framing.length);
        c.put("\r\n"sv);
    } else if (framing.chunked) {
        c.put("Transfer-Encoding: chunked\r\n"sv);
    }
    if (!framing.keep_alive) {
        c.put("Connection: close\r\n"sv);
    } else if (framing.http10) {
        c.put("Connection: keep-alive\r\n"sv);
    }
    c.put("\r\n"sv);
    out.resize(static_cast<std::size_t>(c.at() - out.data()));
}

} // namespace quire::net
