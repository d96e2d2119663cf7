// Reconnection delays: exponential, so that a dead peer costs a few attempts per second at
// most, with jitter, so that the nodes of a cluster that lost a peer together do not all redial
// it in the same millisecond when it returns.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace chorus::net {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds delay_min, std::chrono::milliseconds delay_max, uint64_t seed)
      : delay_min_(delay_min), delay_max_(delay_max), base_(delay_min), random_(seed) {}

  // The next delay, uniform in [base, min(2 * base, max)]; the base then doubles up to max.
  std::chrono::milliseconds next() {
    const int64_t low = base_.count();
    const int64_t high = std::min<int64_t>(2 * low, delay_max_.count());
    const std::chrono::milliseconds delay(
        std::uniform_int_distribution<int64_t>(low, high)(random_));
    base_ = std::min(2 * base_, delay_max_);
    return delay;
  }
  void reset() { base_ = delay_min_; }

 private:
  const std::chrono::milliseconds delay_min_;
  const std::chrono::milliseconds delay_max_;
  std::chrono::milliseconds base_;  // invariant: delay_min_ <= base_ <= delay_max_
  std::mt19937_64 random_;
};

}  // namespace chorus::net
