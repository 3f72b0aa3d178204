// A small bounded thread pool for blocking work (SQLite, libgit2, fsync, large copies), so
// that no io_context thread ever blocks. A coroutine awaits the result.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

namespace quire::core {

class BlockingPool {
public:
    explicit BlockingPool(std::size_t threads) : pool_(threads) {}
    ~BlockingPool() { pool_.join(); }
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Runs f() on the pool and resumes the caller on its own executor with the result.
    // Exceptions thrown by f propagate to the awaiting coroutine.
    template <class F>
    auto run(F f) -> asio::awaitable<std::invoke_result_t<F>> {
        using R = std::invoke_result_t<F>;
        return asio::co_spawn(
            pool_.get_executor(),
            [f = std::move(f)]() mutable -> asio::awaitable<R> { co_return f(); },
            asio::use_awaitable);
    }

    void stop() { pool_.stop(); }

private:
    asio::thread_pool pool_;
};

} // namespace quire::core
