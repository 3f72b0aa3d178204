#include "request_body.hpp"

namespace quire::core {

asio::awaitable<tl::expected<std::string, BodyError>> read_all(RequestBody& body,
                                                               std::size_t limit) {
    std::string out;
    if (auto len = body.declared_length(); len && *len > limit) {
        co_return tl::unexpected(BodyError{413, "request body too large"});
    }
    char buf[16384];
    for (;;) {
        auto n = co_await body.read(buf);
        if (!n) {
            co_return tl::unexpected(n.error());
        }
        if (*n == 0) {
            co_return out;
        }
        if (out.size() + *n > limit) {
            co_return tl::unexpected(BodyError{413, "request body too large"});
        }
        out.append(buf, *n);
    }
}

} // namespace quire::core
