#include "read_only_store.hpp"

namespace quire::storage {

namespace {

tl::unexpected<Error> refused() {
    return fail(Errc::forbidden, std::string(read_only_message));
}

class ReadOnlyStore final : public Store {
public:
    explicit ReadOnlyStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

    Capabilities capabilities() const override { return inner_->capabilities(); }
    Result<Meta> stat(std::string_view path) override { return inner_->stat(path); }
    std::optional<std::uint64_t> read_generation() const override {
        return inner_->read_generation();
    }
    Result<Meta> stat_basic(std::string_view path) override { return inner_->stat_basic(path); }
    Result<std::vector<Meta>> list(std::string_view collection, ListOptions options) override {
        return inner_->list(collection, options);
    }
    Result<std::unique_ptr<Body>> open_read(std::string_view path,
                                            std::optional<ByteRange> range) override {
        return inner_->open_read(path, range);
    }
    Result<Opened> open_document(std::string_view path) override {
        return inner_->open_document(path);
    }
    bool reads_short_now() const override { return inner_->reads_short_now(); }
    Result<std::vector<Property>> props(std::string_view path) override {
        return inner_->props(path);
    }
    Result<std::string> sync_token(std::string_view collection) override {
        return inner_->sync_token(collection);
    }
    Result<Changes> changes_since(std::string_view collection, std::string_view token) override {
        return inner_->changes_since(collection, token);
    }
    Result<std::vector<Version>> history(std::string_view path) override {
        return inner_->history(path);
    }
    Result<std::unique_ptr<Body>> open_version(std::string_view path,
                                               std::string_view version) override {
        return inner_->open_version(path, version);
    }

    Result<PutResult> put(std::string_view, Source&, const PutOptions&, std::string_view) override {
        return refused();
    }
    std::optional<Result<PutResult>> try_put_now(std::string_view, std::string_view,
                                                 const PutOptions&, std::string_view) override {
        return Result<PutResult>(refused());
    }
    Result<std::unique_ptr<PutStream>> begin_put(std::string_view) override { return refused(); }
    Result<void> mkcol(std::string_view, std::string_view) override { return refused(); }
    Result<void> remove(std::string_view, const Precondition&, std::string_view) override {
        return refused();
    }
    Result<bool> copy(std::string_view, std::string_view, Depth, bool, std::string_view) override {
        return refused();
    }
    Result<bool> move(std::string_view, std::string_view, bool, std::string_view) override {
        return refused();
    }
    std::optional<Result<bool>> try_move_now(std::string_view, std::string_view, bool,
                                             std::string_view) override {
        return Result<bool>(refused());
    }
    Result<void> patch_props(std::string_view, std::span<const PropOp>, std::string_view) override {
        return refused();
    }

private:
    std::unique_ptr<Store> inner_;
};

} // namespace

std::unique_ptr<Store> read_only(std::unique_ptr<Store> inner) {
    return std::make_unique<ReadOnlyStore>(std::move(inner));
}

} // namespace quire::storage
