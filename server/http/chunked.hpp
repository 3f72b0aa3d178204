// Incremental decoder for the chunked transfer coding (RFC 9112 section 7.1).
#pragma once

#include "headers.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace quire::http {

class ChunkedDecoder {
public:
    struct Limits {
        std::size_t max_line = 4096;     // chunk-size line with extensions
        std::size_t max_trailers = 8192; // whole trailer section
        std::uint64_t max_body = 64ull << 20;
    };
    enum class State { in_progress, done, error };

    ChunkedDecoder() = default;
    explicit ChunkedDecoder(Limits limits) : limits_(limits) {}

    // Consumes bytes from in and appends decoded body data to out. Returns how many bytes of in
    // were consumed: all of them unless the body ended (state() == done) or an error occurred;
    // bytes after the end belong to the next request.
    std::size_t feed(std::string_view in, std::string& out);

    State state() const { return state_; }
    // On error: the status to answer (400, or 413 past max_body) and a reason.
    int error_status() const { return error_status_; }
    const std::string& error_reason() const { return error_reason_; }
    const Headers& trailers() const { return trailers_; }
    std::uint64_t body_size() const { return total_; }

private:
    // implementation state (the implementer may change these freely)
    Limits limits_{};
    State state_ = State::in_progress;
    int phase_ = 0;
    std::uint64_t remaining_ = 0;
    std::uint64_t total_ = 0;
    std::string line_;
    std::size_t trailer_bytes_ = 0;
    Headers trailers_;
    int error_status_ = 400;
    std::string error_reason_;
};

} // namespace quire::http
