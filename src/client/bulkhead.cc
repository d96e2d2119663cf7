#include "client/bulkhead.h"

#include <cassert>

namespace chorus::client {

BulkheadPermit& BulkheadPermit::operator=(BulkheadPermit&& other) noexcept {
  if (this != &other) {
    reset();
    bulkhead_ = std::exchange(other.bulkhead_, nullptr);
  }
  return *this;
}

void BulkheadPermit::reset() {
  if (bulkhead_ != nullptr) std::exchange(bulkhead_, nullptr)->leave();
}

BulkheadPermit Bulkhead::try_enter() {
  int current = in_flight_.load(std::memory_order_relaxed);
  // Compare-and-swap rather than add-then-check, so in_flight_ never exceeds the limit even for
  // an instant (a reader of in_flight() sees a true count).
  while (current < limit_) {
    if (in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel)) {
      return BulkheadPermit(this);
    }
  }
  return BulkheadPermit();
}

void Bulkhead::leave() {
  const int before = in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  assert(before > 0 && before <= limit_);
  (void)before;
}

}  // namespace chorus::client
