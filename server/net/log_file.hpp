// A log file opened for appending that can be reopened in place (SIGHUP, after logrotate):
// the new file is dup2()'d onto the old descriptor, so writers never see a gap or need a lock.
#pragma once

#include "core/unique_fd.hpp"

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace quire::net {

class LogFile {
public:
    // "-" means standard output (or standard error for error logs); "off" opens nothing.
    static tl::expected<LogFile, std::string> open(const std::string& path, int standard_fd);
    LogFile() = default;

    bool enabled() const { return fd_ >= 0; }
    // One write(2) per line: O_APPEND keeps concurrent lines whole.
    void write(std::string_view line) const;
    // Reopens the file by name onto the same descriptor.
    tl::expected<void, std::string> reopen();
    int fd() const { return fd_; }

private:
    std::string path_;
    core::UniqueFd owned_;
    int fd_ = -1;
};

} // namespace quire::net
