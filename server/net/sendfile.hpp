// Thin wrappers over sendfile(2) and pread(2) for response bodies from files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <tl/expected.hpp>

namespace quire::net {

// Sends up to length bytes of file_fd from offset to a non-blocking socket. Returns the bytes
// sent, 0 when the socket is full (wait for writability), or an error.
tl::expected<std::size_t, std::string> sendfile_some(int socket_fd, int file_fd,
                                                     std::uint64_t offset, std::uint64_t length);

// Reads exactly length bytes at offset; an error if the file ended early (it shrank).
tl::expected<void, std::string> read_file_range(int fd, std::uint64_t offset, char* out,
                                                std::size_t length);

} // namespace quire::net
