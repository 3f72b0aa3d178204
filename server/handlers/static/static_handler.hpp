// Serves files from a document root: GET, HEAD and OPTIONS; index files; directory listing;
// ETag/Last-Modified (the core answers conditionals and ranges); pre-compressed siblings.
#pragma once

#include "core/handler.hpp"
#include "core/unique_fd.hpp"
#include "file_cache.hpp"
#include "http/mime.hpp"
#include "static_options.hpp"

#include <memory>
#include <string>

#include <sys/stat.h>
#include <tl/expected.hpp>

namespace quire::core {
class Exchange;
}

namespace quire::handlers {

class StaticHandler final : public core::Handler {
public:
    // Opens the root; an error names why it cannot be served.
    static tl::expected<std::shared_ptr<StaticHandler>, std::string> create(StaticOptions options);

    asio::awaitable<core::Outcome> handle(core::Exchange& ex) override;

private:
    StaticHandler() = default;

    // Opens a path relative to the root that can never resolve outside it (unless the mount
    // allows symbolic links that leave it). Returns -errno on failure.
    core::UniqueFd open_beneath(int dir_fd, const std::string& relative, int& error) const;
    void serve_file(core::Exchange& ex, core::UniqueFd fd, const struct stat& st,
                    const std::string& relative);
    void respond(core::Exchange& ex, const FileEntry& file, std::string_view encoding) const;
    bool try_precompressed(core::Exchange& ex, const std::string& relative,
                           std::string_view& encoding, core::UniqueFd& fd, struct stat& st);

    StaticOptions options_;
    core::UniqueFd root_;
    std::string root_real_; // the root with every link resolved
    http::MimeTypes mime_;
};

} // namespace quire::handlers
