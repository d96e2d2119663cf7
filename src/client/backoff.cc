#include "client/backoff.h"

#include <algorithm>
#include <cassert>

namespace chorus::client {

Backoff::Backoff(const RetryOptions& options, std::uint64_t seed)
    : options_(options), random_(seed) {
  assert(options_.attempts_max >= 1);
  assert(options_.backoff_base.count() >= 0 && options_.backoff_cap >= options_.backoff_base);
}

std::chrono::milliseconds Backoff::ceiling(int retry) const {
  assert(retry >= 0);
  auto delay = options_.backoff_base;
  // Doubling stops at the cap, so the loop runs at most ~63 times and never overflows.
  for (int step = 0; step < retry && delay < options_.backoff_cap; ++step) {
    delay = delay.count() == 0 ? delay : delay * 2;
  }
  return std::min(delay, options_.backoff_cap);
}

std::optional<std::chrono::milliseconds> Backoff::next_delay(int attempts_made,
                                                             std::chrono::milliseconds time_left) {
  assert(attempts_made >= 1);
  if (attempts_made >= options_.attempts_max) return std::nullopt;
  const auto high = ceiling(attempts_made - 1);
  // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in
  // [0, ceiling], which spreads clients that failed at the same moment the most.
  std::uniform_int_distribution<std::int64_t> draw(0, high.count());
  const std::chrono::milliseconds delay(draw(random_));
  assert(delay >= std::chrono::milliseconds(0) && delay <= high);
  if (delay >= time_left) return std::nullopt;
  return delay;
}

std::uint64_t backoff_seed(std::uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace chorus::client
