#include "client/health_checker.h"

#include <fmt/format.h>

#include <cassert>

namespace chorus::client {

HealthChecker::HealthChecker(HealthCheckOptions options, std::vector<std::string> names,
                             Probe probe, Report report, Telemetry& telemetry)
    : options_(options),
      names_(std::move(names)),
      probe_(std::move(probe)),
      report_(std::move(report)),
      telemetry_(telemetry),
      healthy_(names_.size(), true) {
  assert(probe_ && report_);
  assert(options_.interval.count() > 0);
}

HealthChecker::~HealthChecker() {
  stop();
}

void HealthChecker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { loop(); });
}

void HealthChecker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool HealthChecker::healthy(std::size_t index) const {
  std::lock_guard lock(mutex_);
  return healthy_.at(index);
}

void HealthChecker::run_round() {
  for (std::size_t index = 0; index < names_.size(); ++index) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;  // do not hold up the owner's destructor with more probes
    }
    telemetry_.count(Counter::probes);
    const bool healthy = probe_(index, options_.timeout);
    if (!healthy) telemetry_.count(Counter::probe_failures);
    bool changed = false;
    {
      std::lock_guard lock(mutex_);
      changed = healthy_[index] != healthy;
      healthy_[index] = healthy;
    }
    if (changed) {
      telemetry_.log(
          fmt::format("health: {} is now {}", names_[index], healthy ? "healthy" : "unhealthy"));
    }
    report_(index, healthy);
  }
}

void HealthChecker::loop() {
  std::unique_lock lock(mutex_);
  // One round per interval until stop(); each wait ends early when stop() is called.
  while (!stopping_) {
    if (wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) break;
    lock.unlock();
    run_round();
    lock.lock();
  }
}

}  // namespace chorus::client
