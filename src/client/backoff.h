// Exponential backoff with full jitter, bounded in attempts and in time (the retry half of the
// fault-tolerant client). A pure policy: it draws delays and never sleeps, so tests drive it with
// a fixed seed and no clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "client/fault_tolerance.h"

namespace chorus::client {

class Backoff {
 public:
  Backoff(const RetryOptions& options, std::uint64_t seed);

  // The upper end of the delay before retry number `retry` (0 for the first retry):
  // min(cap, base * 2^retry). Never overflows, whatever `retry`.
  std::chrono::milliseconds ceiling(int retry) const;

  // The delay before the next attempt, once `attempts_made` attempts have failed and
  // `time_left` remains before the call's deadline; nullopt when the attempts are used up or
  // the delay would reach the deadline (a retry with no time left to run is pointless).
  std::optional<std::chrono::milliseconds> next_delay(int attempts_made,
                                                      std::chrono::milliseconds time_left);

 private:
  RetryOptions options_;
  std::mt19937_64 random_;
};

// A seed for a Backoff: `configured` when non-zero, else one from std::random_device.
std::uint64_t backoff_seed(std::uint64_t configured);

}  // namespace chorus::client
