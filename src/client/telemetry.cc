#include "client/telemetry.h"

namespace chorus::client {

std::string_view to_string(Counter counter) {
  // In the enum's order; the static_assert below keeps the two in step.
  static constexpr std::array<std::string_view, kCounters> kNames = {
      "calls",
      "attempts",
      "retries",
      "retries_exhausted",
      "not_retried_unsafe",
      "dial_failures",
      "breaker_opened",
      "breaker_half_opened",
      "breaker_closed",
      "breaker_rejected",
      "bulkhead_rejected",
      "probes",
      "probe_failures",
      "leader_routed",
      "endpoints_discovered",
  };
  static_assert(static_cast<std::size_t>(Counter::endpoints_discovered) + 1 == kCounters);
  return kNames[static_cast<std::size_t>(counter)];
}

ClientCounters Telemetry::snapshot() const {
  ClientCounters out;
  for (std::size_t index = 0; index < kCounters; ++index) {
    out.values[index] = counters_[index].load(std::memory_order_relaxed);
  }
  return out;
}

}  // namespace chorus::client
