#include "client/circuit_breaker.h"

#include <cassert>

namespace chorus::client {

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half-open";
  }
  return "?";
}

bool CircuitBreaker::trial_due(TimePoint now) const {
  return state_ == BreakerState::open && now - opened_at_ >= options_.open_duration;
}

Admission CircuitBreaker::admit(TimePoint now) {
  switch (state_) {
    case BreakerState::closed:
      return Admission::admitted;
    case BreakerState::open:
      if (!trial_due(now)) return Admission::rejected;
      state_ = BreakerState::half_open;
      trial_out_ = true;
      return Admission::trial;
    case BreakerState::half_open:
      // One trial at a time: a dead node costs one caller, not every caller at once.
      if (trial_out_) return Admission::rejected;
      trial_out_ = true;
      return Admission::trial;
  }
  return Admission::rejected;
}

void CircuitBreaker::on_success(TimePoint /*now*/) {
  // A late success of a call admitted before the breaker opened does not close it: only a trial
  // after the open duration does, so a flapping node stays out for at least that long.
  if (state_ == BreakerState::open) return;
  state_ = BreakerState::closed;
  failures_ = 0;
  trial_out_ = false;
}

void CircuitBreaker::on_failure(TimePoint now) {
  if (options_.failures_to_open <= 0) return;  // breakers disabled
  switch (state_) {
    case BreakerState::closed:
      if (++failures_ >= options_.failures_to_open) open(now);
      break;
    case BreakerState::half_open:
      open(now);  // the trial failed: another full open duration
      break;
    case BreakerState::open:
      opened_at_ = now;  // still failing: keep it out a while longer
      break;
  }
  assert(state_ == BreakerState::open || failures_ < options_.failures_to_open);
}

void CircuitBreaker::release_trial() {
  if (state_ == BreakerState::half_open) trial_out_ = false;
}

void CircuitBreaker::on_probe(bool healthy, TimePoint now) {
  if (!healthy) {
    on_failure(now);
    return;
  }
  if (state_ == BreakerState::open && !trial_due(now)) return;
  state_ = BreakerState::closed;
  failures_ = 0;
  trial_out_ = false;
}

void CircuitBreaker::open(TimePoint now) {
  state_ = BreakerState::open;
  opened_at_ = now;
  failures_ = 0;
  trial_out_ = false;
  assert(state_ == BreakerState::open);
}

}  // namespace chorus::client
