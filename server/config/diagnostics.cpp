#include "diagnostics.hpp"

namespace quire::config {

void Diagnostics::error(long line, const std::string& message) {
    messages_.push_back(file_ + ":" + std::to_string(line > 0 ? line : 1) + ": " + message);
}

} // namespace quire::config
