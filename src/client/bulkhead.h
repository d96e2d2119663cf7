// A bulkhead: at most `limit` calls in flight through one compartment (one endpoint and one
// class of operation), so that a flood of slow calls fills its own compartment and nobody
// else's. It never waits: a full compartment says no at once and the caller goes elsewhere.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace chorus::client {

enum class OperationClass { read, write, stream };
inline constexpr std::size_t kOperationClasses = 3;

class Bulkhead;

// One admitted call; leaving the compartment when destroyed.
class BulkheadPermit {
 public:
  BulkheadPermit() = default;
  explicit BulkheadPermit(Bulkhead* bulkhead) : bulkhead_(bulkhead) {}
  BulkheadPermit(BulkheadPermit&& other) noexcept
      : bulkhead_(std::exchange(other.bulkhead_, nullptr)) {}
  BulkheadPermit& operator=(BulkheadPermit&& other) noexcept;
  BulkheadPermit(const BulkheadPermit&) = delete;
  BulkheadPermit& operator=(const BulkheadPermit&) = delete;
  ~BulkheadPermit() { reset(); }

  bool held() const { return bulkhead_ != nullptr; }
  void reset();

 private:
  Bulkhead* bulkhead_ = nullptr;
};

class Bulkhead {
 public:
  explicit Bulkhead(int limit) : limit_(limit) {}
  Bulkhead(const Bulkhead&) = delete;
  Bulkhead& operator=(const Bulkhead&) = delete;

  // A held permit when fewer than `limit` calls are in flight, else an empty one.
  BulkheadPermit try_enter();
  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  int limit() const { return limit_; }

 private:
  friend class BulkheadPermit;
  void leave();

  const int limit_;
  std::atomic<int> in_flight_{0};  // always in [0, limit_]
};

}  // namespace chorus::client
