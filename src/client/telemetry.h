// What the fault-tolerant client did: counters of every state change and decision, and a debug
// line per change through the caller's LogFunction. Thread-safe: calls, watches and the health
// checker share one Telemetry.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/fault_tolerance.h"

namespace chorus::client {

enum class Counter : std::size_t {
  calls,                 // calls made through the routed path (not status_at)
  attempts,              // attempts sent to an endpoint, retries included
  retries,               // attempts after the first
  retries_exhausted,     // calls that failed after their last allowed attempt or time
  not_retried_unsafe,    // failed calls not repeated because repeating could apply them twice
  dial_failures,         // endpoints that did not connect within the dial timeout
  breaker_opened,        // closed or half-open -> open
  breaker_half_opened,   // open -> half-open (a trial went out)
  breaker_closed,        // open or half-open -> closed
  breaker_rejected,      // endpoints skipped because their breaker was open
  bulkhead_rejected,     // endpoints skipped because their bulkhead was full
  probes,                // health probes sent
  probe_failures,        // health probes that failed
  leader_routed,         // calls sent to the leader first
  endpoints_discovered,  // endpoints added from the member list
};
inline constexpr std::size_t kCounters = 15;

struct ClientCounters {
  std::array<std::uint64_t, kCounters> values{};
  std::uint64_t operator[](Counter counter) const {
    return values[static_cast<std::size_t>(counter)];
  }
};

std::string_view to_string(Counter counter);

class Telemetry {
 public:
  explicit Telemetry(LogFunction log) : log_(std::move(log)) {}

  void count(Counter counter, std::uint64_t by = 1) {
    counters_[static_cast<std::size_t>(counter)].fetch_add(by, std::memory_order_relaxed);
  }
  void log(std::string_view line) const {
    if (log_) log_(line);
  }
  bool logging() const { return static_cast<bool>(log_); }
  ClientCounters snapshot() const;

 private:
  LogFunction log_;
  std::array<std::atomic<std::uint64_t>, kCounters> counters_{};
};

}  // namespace chorus::client
