// Configuration errors, each as "FILE:LINE: message".
#pragma once

#include <string>
#include <vector>

namespace quire::config {

class Diagnostics {
public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}

    void error(long line, const std::string& message);
    bool ok() const { return messages_.empty(); }
    const std::vector<std::string>& messages() const { return messages_; }
    const std::string& file() const { return file_; }

private:
    std::string file_;
    std::vector<std::string> messages_;
};

} // namespace quire::config
