// The knobs of the client's fault tolerance: retries with backoff, circuit breakers, bulkheads,
// health checks, leader routing and endpoint discovery. Every field has a default that suits an
// interactive command (chorus kv) and a long-running service alike; docs/client.md explains how
// to tune each one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace chorus::client {

// Receives one line per state change (breaker transitions, retries, rejections, health changes).
// Called on the thread that saw the change, the health checker's included: it must be
// thread-safe and quick.
using LogFunction = std::function<void(std::string_view line)>;

// Retries of calls that are safe to repeat, with exponential backoff and full jitter
// (the delay before retry n is uniform in [0, min(cap, base * 2^n)]: clients that failed
// together do not retry together).
struct RetryOptions {
  // Attempts per call, the first included; 1 disables retries. The call's deadline
  // (ClientOptions::request_timeout) bounds the total time as well.
  int attempts_max = 3;
  std::chrono::milliseconds backoff_base{25};
  std::chrono::milliseconds backoff_cap{1000};
  // The deadline of one attempt of a call that may be retried, so that a paused node leaves
  // time to try another one. Calls that are not retried get the whole request_timeout.
  std::chrono::milliseconds attempt_timeout{2000};
  // The jitter's generator; 0 seeds it from std::random_device. Tests fix it.
  std::uint64_t seed = 0;
};

// One breaker per endpoint: after `failures_to_open` consecutive failures (unreachable, or no
// answer within the deadline) the endpoint is skipped for `open_duration`; then one trial
// (a health probe, or a call when health checks are off) decides whether it closes again.
struct BreakerOptions {
  int failures_to_open = 3;  // 0 disables the breakers (they never open)
  std::chrono::milliseconds open_duration{2000};
};

// In-flight calls allowed per endpoint and per class of operation. A call that finds its
// endpoint's bulkhead full goes to another endpoint (nothing was sent, so this is safe for
// writes too), or fails with RESOURCE_EXHAUSTED when every endpoint is full.
struct BulkheadOptions {
  int reads_max = 64;    // range, status, member list, lease reads
  int writes_max = 64;   // put, delete, txn, compact, lease grant/revoke, membership changes
  int streams_max = 32;  // watch and lock: calls that may legitimately block for long
};

// A background thread that asks every endpoint for Maintenance.Status every `interval`, with a
// deadline of `timeout`. Results feed the breakers (a failed probe counts as a failure; a good
// probe after the open duration closes the breaker) and the leader routing.
struct HealthCheckOptions {
  bool enabled = true;
  std::chrono::milliseconds interval{1000};  // the first round runs one interval after start
  std::chrono::milliseconds timeout{500};
};

struct FaultToleranceOptions {
  RetryOptions retry;
  BreakerOptions breaker;
  BulkheadOptions bulkhead;
  HealthCheckOptions health;
  // Send writes and linearizable reads to the member that the health checks found leading: a
  // follower would forward them to the leader, one hop more. Off: endpoints in the order given.
  bool prefer_leader = true;
  // At construction, ask the endpoints for the member list and add every member's client URLs
  // (up to 32 endpoints in all). Off by default: `chorus cluster status` reports exactly the
  // endpoints it was given, as etcdctl does.
  bool discover_endpoints = false;
  LogFunction log;  // empty: no log lines; the counters count regardless
};

}  // namespace chorus::client
