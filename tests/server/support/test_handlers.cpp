#include "test_handlers.hpp"

namespace quire::test {

asio::awaitable<core::Outcome> ReflectHandler::handle(core::Exchange& ex) {
    auto body = co_await core::read_all(ex.body(), 1 << 20);
    auto& r = ex.response();
    if (!body) {
        r.error(body.error().status, body.error().reason);
        co_return core::Outcome::done;
    }
    r.status = 200;
    r.headers.set("Content-Type", "text/plain");
    r.body.append(ex.method() + " " + std::string(ex.path_in_mount()) + "\n" + *body);
    co_return core::Outcome::done;
}

asio::awaitable<core::Outcome> WhoAmIHandler::handle(core::Exchange& ex) {
    auto& r = ex.response();
    r.status = 200;
    r.headers.set("Content-Type", "text/plain");
    r.body.append((ex.principal.empty() ? std::string("-") : ex.principal) + " " + ex.method() +
                  (ex.may_write ? "" : " read-only"));
    co_return core::Outcome::done;
}

core::Mount mount(std::string prefix, std::shared_ptr<core::Handler> handler) {
    core::Mount m;
    m.prefix = std::move(prefix);
    m.handlers.push_back(std::move(handler));
    return m;
}

std::shared_ptr<core::Handler> two_pieces_streamed() {
    return std::make_shared<LambdaHandler>(
        [](core::Exchange& ex) -> asio::awaitable<core::Outcome> {
            auto step = std::make_shared<int>(0);
            ex.response().body.append_stream([step]() -> asio::awaitable<core::StreamResult> {
                if ((*step)++ < 2) {
                    co_return core::StreamResult{"piece", {}};
                }
                co_return core::StreamResult{std::nullopt, {}};
            });
            co_return core::Outcome::done;
        });
}

} // namespace quire::test
