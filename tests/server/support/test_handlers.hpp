// Handlers used only by tests, each showing one thing the handler interface must carry.
#pragma once

#include "core/exchange.hpp"
#include "core/handler.hpp"
#include "core/router.hpp"

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>

namespace quire::test {

// Answers 200 with "METHOD PATH-IN-MOUNT\n" followed by the whole request body.
class ReflectHandler final : public core::Handler {
public:
    asio::awaitable<core::Outcome> handle(core::Exchange& ex) override;
};

// Answers 200 with "PRINCIPAL METHOD" (the user the authentication phase let in; "-" when
// anonymous), and " read-only" after it when that phase lets the client only read.
class WhoAmIHandler final : public core::Handler {
public:
    asio::awaitable<core::Outcome> handle(core::Exchange& ex) override;
};

// Runs a lambda with the exchange (for one-off behaviours in a test).
class LambdaHandler final : public core::Handler {
public:
    using Fn = std::function<asio::awaitable<core::Outcome>(core::Exchange&)>;
    explicit LambdaHandler(Fn fn) : fn_(std::move(fn)) {}
    asio::awaitable<core::Outcome> handle(core::Exchange& ex) override { return fn_(ex); }

private:
    Fn fn_;
};

core::Mount mount(std::string prefix, std::shared_ptr<core::Handler> handler);

// Answers every request with a streamed body of unknown length: "piece" twice.
std::shared_ptr<core::Handler> two_pieces_streamed();

} // namespace quire::test
