#include "git_store.hpp"
namespace quire::storage::git {
Result<std::unique_ptr<Store>> open(const std::string&, Options) {
    return fail(Errc::not_supported, "todo");
}
} // namespace quire::storage::git
