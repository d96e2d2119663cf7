// A circuit breaker for one endpoint: closed (calls go through), open (calls skip the endpoint
// at once instead of waiting out a timeout), half-open (one trial decides). A pure state machine:
// every method takes the time, so tests step it with a fake clock; the caller holds the lock.
//
//   closed --failures_to_open consecutive failures--> open
//   open --open_duration elapsed, admit()--> half-open (that caller runs the one trial)
//   open --open_duration elapsed, good health probe--> closed (the probe was the trial)
//   half-open --trial succeeds--> closed;  half-open --trial fails--> open (a new open_duration)
#pragma once

#include <chrono>
#include <string_view>

#include "client/fault_tolerance.h"

namespace chorus::client {

enum class BreakerState { closed, open, half_open };
std::string_view to_string(BreakerState state);

enum class Admission {
  admitted,  // closed: go ahead
  trial,     // the one trial of a half-open breaker: report its outcome, or release_trial()
  rejected,  // open, or half-open with the trial already out
};

class CircuitBreaker {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit CircuitBreaker(BreakerOptions options) : options_(options) {}

  BreakerState state() const { return state_; }
  int consecutive_failures() const { return failures_; }
  // Would admit() let a call through now (without moving to half-open)?
  bool admits_without_trial() const { return state_ == BreakerState::closed; }
  bool trial_due(TimePoint now) const;

  Admission admit(TimePoint now);
  // The endpoint answered (any answer from the server, errors included, shows it is alive).
  void on_success(TimePoint now);
  // The endpoint could not be reached or did not answer in time.
  void on_failure(TimePoint now);
  // The trial ended without saying anything about the endpoint (the caller cancelled it): the
  // next caller may try.
  void release_trial();
  // A health probe's result: a failed probe is a failure; a good one closes a breaker whose
  // open duration has passed, without risking a caller's request on the trial.
  void on_probe(bool healthy, TimePoint now);

 private:
  void open(TimePoint now);

  BreakerOptions options_;
  BreakerState state_ = BreakerState::closed;
  int failures_ = 0;        // consecutive failures while closed; < failures_to_open
  TimePoint opened_at_{};   // when the breaker last opened; meaningful unless closed
  bool trial_out_ = false;  // half-open only: the one trial is running
};

}  // namespace chorus::client
