// State a handler keeps per worker thread (caches, connection pools), owned by the worker and
// reached through the exchange, so shared handlers need no locks and nothing is global.
#pragma once

#include <memory>
#include <unordered_map>

namespace quire::core {

class WorkerLocals {
public:
    // The T that owner keeps on this worker, created on first use.
    template <class T>
    T& get(const void* owner) {
        auto& slot = slots_[owner];
        if (!slot) {
            slot = std::make_unique<Holder<T>>();
        }
        return static_cast<Holder<T>*>(slot.get())->value;
    }

private:
    struct Base {
        virtual ~Base() = default;
    };
    template <class T>
    struct Holder final : Base {
        T value;
    };
    std::unordered_map<const void*, std::unique_ptr<Base>> slots_;
};

} // namespace quire::core
