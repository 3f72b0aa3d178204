// WriteGate: a LOCK and the writes to the same names take turns (dav/locks/write_gate.hpp).
#include "dav/locks/write_gate.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace quire::dav {
namespace {

using namespace std::chrono_literals;

TEST(WriteGateTest, ALockWaitsForAWriteInFlightAtAboveOrBelowItsRoot) {
    for (const char* written : {"/x", "/", "/x/member"}) {
        WriteGate gate;
        auto write = gate.write({written});
        std::atomic<bool> granted{false};
        std::thread locker([&] {
            auto pass = gate.lock("/x");
            granted = true;
        });
        std::this_thread::sleep_for(50ms); // time enough for a LOCK that does not wait
        EXPECT_FALSE(granted) << "a LOCK on /x went ahead of a write to " << written;
        write = WriteGate::Pass();
        locker.join();
        EXPECT_TRUE(granted);
    }
}

TEST(WriteGateTest, WritesWaitWhileALockIsGrantedAndOthersGoOn) {
    WriteGate gate;
    auto lock = gate.lock("/d");
    EXPECT_FALSE(gate.try_write({"/d"}));
    EXPECT_FALSE(gate.try_write({"/d/x"}));
    EXPECT_FALSE(gate.try_write({"/"}));
    EXPECT_FALSE(gate.try_write({"/other", "/d/moved-here"})); // a MOVE into the locked tree
    EXPECT_TRUE(gate.try_write({"/other"}));
    EXPECT_TRUE(gate.try_write({"/dx"})); // a sibling, not a member

    std::atomic<bool> written{false};
    std::thread writer([&] {
        auto pass = gate.write({"/d/x"});
        written = true;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(written);
    lock = WriteGate::Pass();
    writer.join();
    EXPECT_TRUE(written);
    EXPECT_TRUE(gate.try_write({"/d"}));
}

// A LOCK waiting for a write already keeps new writes out: a stream of writes cannot starve
// it.
TEST(WriteGateTest, AWaitingLockKeepsNewWritesOut) {
    WriteGate gate;
    auto first = gate.write({"/x"});
    std::atomic<bool> granted{false};
    std::thread locker([&] {
        auto pass = gate.lock("/x");
        granted = true;
    });
    while (gate.try_write({"/x"})) // until the LOCK has come
        std::this_thread::yield();
    EXPECT_FALSE(granted);
    first = WriteGate::Pass();
    locker.join();
    EXPECT_TRUE(granted);
}

} // namespace
} // namespace quire::dav
