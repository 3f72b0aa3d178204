// Configuration errors, each as "FILE:LINE: message", and what the tables of one file learn
// about each other while they are read (see shared_resources.hpp).
#pragma once

#include "shared_resources.hpp"

#include <string>
#include <vector>

namespace quire::config {

class Diagnostics {
public:
    // checking_only: `quire check-config`, which must not create what the configuration names
    // (stores, repositories): handlers then check their settings without opening them.
    explicit Diagnostics(std::string file, bool checking_only = false)
        : file_(std::move(file)), checking_only_(checking_only) {}

    void error(long line, const std::string& message);
    bool ok() const { return messages_.empty(); }
    const std::vector<std::string>& messages() const { return messages_; }
    const std::string& file() const { return file_; }
    bool checking_only() const { return checking_only_; }
    SharedResources& shared_resources() { return shared_resources_; }

private:
    std::string file_;
    std::vector<std::string> messages_;
    bool checking_only_ = false;
    SharedResources shared_resources_;
};

} // namespace quire::config
