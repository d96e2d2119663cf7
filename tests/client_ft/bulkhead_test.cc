// Bulkheads: a bounded number of calls in flight per compartment, never exceeded.
#include "client/bulkhead.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace chorus::client {
namespace {

TEST(Bulkhead, AdmitsUpToTheLimitThenRefusesAtOnce) {
  Bulkhead bulkhead(2);
  auto first = bulkhead.try_enter();
  auto second = bulkhead.try_enter();
  auto third = bulkhead.try_enter();
  EXPECT_TRUE(first.held());
  EXPECT_TRUE(second.held());
  EXPECT_FALSE(third.held());
  EXPECT_EQ(bulkhead.in_flight(), 2);
  first.reset();
  EXPECT_EQ(bulkhead.in_flight(), 1);
  EXPECT_TRUE(bulkhead.try_enter().held()) << "a place freed is a place to take";
  EXPECT_EQ(bulkhead.in_flight(), 1) << "the temporary permit left again";
}

TEST(Bulkhead, APermitLeavesOnceWhenMovedOrDestroyed) {
  Bulkhead bulkhead(1);
  {
    BulkheadPermit outer;
    {
      auto inner = bulkhead.try_enter();
      outer = std::move(inner);
      EXPECT_FALSE(inner.held());  // NOLINT(bugprone-use-after-move): checking the move
    }
    EXPECT_EQ(bulkhead.in_flight(), 1);
    BulkheadPermit moved(std::move(outer));
    EXPECT_EQ(bulkhead.in_flight(), 1);
  }
  EXPECT_EQ(bulkhead.in_flight(), 0);
}

TEST(Bulkhead, CompartmentsAreIndependent) {
  Bulkhead slow(1);
  Bulkhead writes(1);
  auto flood = slow.try_enter();
  EXPECT_FALSE(slow.try_enter().held());
  EXPECT_TRUE(writes.try_enter().held()) << "a full compartment leaves the others alone";
}

TEST(Bulkhead, ConcurrentCallersNeverExceedTheLimit) {
  constexpr int kLimit = 3;
  Bulkhead bulkhead(kLimit);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 2000; ++round) {
        auto permit = bulkhead.try_enter();
        if (!permit.held()) continue;
        ++admitted;
        const int now_inside = ++inside;
        int seen = most.load();
        while (now_inside > seen && !most.compare_exchange_weak(seen, now_inside)) {
        }
        --inside;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(most.load(), kLimit);
  EXPECT_GT(admitted.load(), 0);
  EXPECT_EQ(bulkhead.in_flight(), 0);
}

}  // namespace
}  // namespace chorus::client
