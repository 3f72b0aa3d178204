// A small bounded thread pool for blocking work (SQLite, libgit2, fsync, large copies), so
// that no io_context thread ever blocks. A coroutine awaits the result.
#pragma once

#include <cstddef>
#include <exception>
#include <type_traits>
#include <utility>

#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

namespace quire::core {

class BlockingPool {
public:
    explicit BlockingPool(std::size_t threads) : pool_(threads) {}
    ~BlockingPool() { pool_.join(); }
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Runs f() on the pool and resumes the awaiting coroutine on its own executor with the
    // result; an exception thrown by f is rethrown there. The result type must be default
    // constructible (it is carried through a completion handler).
    template <class F>
    auto run(F f) {
        using R = std::invoke_result_t<F>;
        if constexpr (std::is_void_v<R>) {
            return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
                [this](auto handler, F fn) {
                    auto work = asio::make_work_guard(handler);
                    asio::post(pool_, [h = std::move(handler), fn = std::move(fn),
                                       work = std::move(work)]() mutable {
                        std::exception_ptr error;
                        try {
                            fn();
                        } catch (...) {
                            error = std::current_exception();
                        }
                        auto ex = work.get_executor();
                        asio::dispatch(
                            ex, [h = std::move(h), error]() mutable { std::move(h)(error); });
                    });
                },
                asio::use_awaitable, std::move(f));
        } else {
            static_assert(std::is_default_constructible_v<R>);
            return asio::async_initiate<const asio::use_awaitable_t<>&,
                                        void(std::exception_ptr, R)>(
                [this](auto handler, F fn) {
                    auto work = asio::make_work_guard(handler);
                    asio::post(pool_, [h = std::move(handler), fn = std::move(fn),
                                       work = std::move(work)]() mutable {
                        std::exception_ptr error;
                        R result{};
                        try {
                            result = fn();
                        } catch (...) {
                            error = std::current_exception();
                        }
                        auto ex = work.get_executor();
                        asio::dispatch(
                            ex, [h = std::move(h), error, result = std::move(result)]() mutable {
                                std::move(h)(error, std::move(result));
                            });
                    });
                },
                asio::use_awaitable, std::move(f));
        }
    }

    void stop() { pool_.stop(); }

private:
    asio::thread_pool pool_;
};

} // namespace quire::core
