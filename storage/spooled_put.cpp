// Store::begin_put's default: the pieces go to an unnamed temporary file under TMPDIR (gone by
// itself if the process dies), and finish() hands that file to the store's put().
#include "fd.hpp"
#include "store.hpp"

#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace quire::storage {

namespace {

class SpooledPut final : public PutStream {
public:
    SpooledPut(Store& store, std::string path, UniqueFd file)
        : store_(store), path_(std::move(path)), file_(std::move(file)) {}

    Result<void> write(std::span<const std::byte> piece) override {
        if (auto ok = write_all(file_.get(), piece.data(), piece.size()); !ok)
            return ok;
        size_ += piece.size();
        return {};
    }
    std::uint64_t size() const override { return size_; }
    Result<PutResult> finish(const PutOptions& options, std::string_view actor) override {
        if (::lseek(file_.get(), 0, SEEK_SET) != 0)
            return tl::unexpected(errno_error(errno, "rewind the spooled body"));
        FdSource source(file_.get());
        return store_.put(path_, source, options, actor);
    }

private:
    Store& store_;
    std::string path_;
    UniqueFd file_;
    std::uint64_t size_ = 0;
};

} // namespace

Result<std::unique_ptr<PutStream>> Store::begin_put(std::string_view path) {
    std::error_code ec;
    const auto dir = std::filesystem::temp_directory_path(ec);
    if (ec)
        return fail(Errc::io, "no folder for temporary files: " + ec.message());
    UniqueFd file(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!file)
        return tl::unexpected(errno_error(errno, "spool a request body in " + dir.string()));
    return std::make_unique<SpooledPut>(*this, std::string(path), std::move(file));
}

} // namespace quire::storage
