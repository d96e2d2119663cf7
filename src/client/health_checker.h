// Active health checks: a background thread that probes every endpoint once per interval and
// reports each result (to the breakers and the leader routing, in Client). The probe itself is
// the caller's (Client probes with Maintenance.Status), so tests drive run_round() with a fake.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/fault_tolerance.h"
#include "client/telemetry.h"

namespace chorus::client {

class HealthChecker {
 public:
  // Probes endpoint `index` within `timeout`; true when it is healthy. Called by run_round(): on
  // the checker's thread, or on a caller's (Client::check_health), so it must be thread-safe.
  using Probe = std::function<bool(std::size_t index, std::chrono::milliseconds timeout)>;
  using Report = std::function<void(std::size_t index, bool healthy)>;

  HealthChecker(HealthCheckOptions options, std::vector<std::string> names, Probe probe,
                Report report, Telemetry& telemetry);
  ~HealthChecker();  // stops the thread
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Starts the thread; its first round runs one interval later.
  void start();
  // Stops the thread; returns once it has ended (after at most the probe in progress).
  void stop();
  // One probe of every endpoint, in order, each reported; what the thread runs per interval.
  void run_round();
  // The last probe's verdict for `index` (true before the first probe).
  bool healthy(std::size_t index) const;

 private:
  void loop();

  const HealthCheckOptions options_;
  const std::vector<std::string> names_;  // for log lines; one per endpoint
  const Probe probe_;
  const Report report_;
  Telemetry& telemetry_;

  mutable std::mutex mutex_;  // guards the three fields below
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<bool> healthy_;  // one per endpoint

  std::thread thread_;  // joinable between start() and stop()
};

}  // namespace chorus::client
