// Exponential backoff with full jitter: bounds, determinism under a seed, and the two limits
// (attempts and time) that end a call's retries.
#include "client/backoff.h"

#include <gtest/gtest.h>

namespace chorus::client {
namespace {

using std::chrono::milliseconds;

RetryOptions options(int attempts_max) {
  RetryOptions retry;
  retry.attempts_max = attempts_max;
  retry.backoff_base = milliseconds(25);
  retry.backoff_cap = milliseconds(1000);
  return retry;
}

TEST(Backoff, CeilingDoublesFromTheBaseAndStopsAtTheCap) {
  const Backoff backoff(options(100), 1);
  EXPECT_EQ(backoff.ceiling(0), milliseconds(25));
  EXPECT_EQ(backoff.ceiling(1), milliseconds(50));
  EXPECT_EQ(backoff.ceiling(5), milliseconds(800));
  EXPECT_EQ(backoff.ceiling(6), milliseconds(1000)) << "1600 capped";
  EXPECT_EQ(backoff.ceiling(1000), milliseconds(1000)) << "no overflow for a huge retry number";
}

TEST(Backoff, EveryDelayIsWithinZeroAndTheCeilingAndSpreadsOverIt) {
  const milliseconds plenty(1'000'000);
  for (int retry = 0; retry < 8; ++retry) {
    Backoff backoff(options(100), 42);
    const auto high = backoff.ceiling(retry);
    milliseconds lowest = high;
    milliseconds highest(0);
    for (int draw = 0; draw < 2000; ++draw) {
      const auto delay = backoff.next_delay(retry + 1, plenty);
      ASSERT_TRUE(delay.has_value());
      ASSERT_GE(delay->count(), 0);
      ASSERT_LE(*delay, high);
      lowest = std::min(lowest, *delay);
      highest = std::max(highest, *delay);
    }
    // Full jitter: the draws cover the range, not a band near its top.
    EXPECT_LE(lowest, high / 4) << "retry " << retry;
    EXPECT_GE(highest, high * 3 / 4) << "retry " << retry;
  }
}

TEST(Backoff, TheSameSeedDrawsTheSameDelays) {
  Backoff first(options(100), 7);
  Backoff second(options(100), 7);
  Backoff other(options(100), 8);
  bool differs = false;
  for (int draw = 1; draw < 50; ++draw) {
    const auto a = first.next_delay(draw, milliseconds(1'000'000));
    const auto b = second.next_delay(draw, milliseconds(1'000'000));
    const auto c = other.next_delay(draw, milliseconds(1'000'000));
    ASSERT_EQ(a, b);
    differs = differs || a != c;
  }
  EXPECT_TRUE(differs) << "another seed should draw other delays";
}

TEST(Backoff, StopsAfterAttemptsMax) {
  Backoff backoff(options(3), 1);
  EXPECT_TRUE(backoff.next_delay(1, milliseconds(10'000)).has_value());
  EXPECT_TRUE(backoff.next_delay(2, milliseconds(10'000)).has_value());
  EXPECT_FALSE(backoff.next_delay(3, milliseconds(10'000)).has_value()) << "3 attempts made";
  Backoff single(options(1), 1);
  EXPECT_FALSE(single.next_delay(1, milliseconds(10'000)).has_value()) << "retries disabled";
}

TEST(Backoff, StopsWhenTheDelayWouldReachTheDeadline) {
  RetryOptions retry = options(100);
  retry.backoff_base = milliseconds(1000);
  retry.backoff_cap = milliseconds(1000);
  Backoff backoff(retry, 3);
  int refused = 0;
  for (int draw = 0; draw < 200; ++draw) {
    const auto delay = backoff.next_delay(1, milliseconds(100));
    if (!delay) {
      ++refused;
    } else {
      EXPECT_LT(*delay, milliseconds(100));
    }
  }
  EXPECT_GT(refused, 150) << "about 90% of draws land past the 100 ms left";
  EXPECT_FALSE(backoff.next_delay(1, milliseconds(0)).has_value());
}

}  // namespace
}  // namespace chorus::client
