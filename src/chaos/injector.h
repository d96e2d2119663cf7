// The fault injector: walks the plan on the thread that owns the cluster (see cluster.h), turns
// each planned role into a member when the fault starts, injects and heals, and measures the time
// until a surviving member names a new leader. One fault at a time; every wait is bounded by the
// run's end.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chaos/cluster.h"
#include "chaos/history.h"
#include "chaos/schedule.h"
#include "chaos/workloads.h"

namespace chorus::chaos {

using ProgressLog = std::function<void(const std::string& line)>;

class NamespaceNetwork;

class FaultInjector {
 public:
  // `network` is null in loopback mode; the plan then holds no network faults.
  FaultInjector(LocalCluster& cluster, NamespaceNetwork* network, const RunClock& clock,
                std::vector<PlannedFault> plan, ProgressLog log);

  // Runs the plan (fault starts are relative to `origin_us`) until `end_us` or `stop`; heals
  // every fault before it returns.
  void run(uint64_t origin_us, uint64_t end_us, const std::atomic<bool>& stop);

  const std::vector<FaultRecord>& records() const { return records_; }
  // Members that exited without being killed (a crash: an invariant failure, for instance).
  const std::vector<std::string>& crashes() const { return crashes_; }

 private:
  struct Active {
    size_t member = 0;
    uint64_t heal_at_us = 0;
    bool healed = false;
    size_t record = 0;
  };

  std::optional<size_t> any_leader();
  void start(const PlannedFault& planned);
  // Injects a network fault; fills the record's member (the sides of a partition) and returns
  // the member whose loss the new-leader clock measures. nullopt: skipped (logged).
  std::optional<size_t> start_network_fault(const PlannedFault& planned,
                                            std::optional<size_t> leader, FaultRecord& record);
  void heal();
  void watch_for_new_leader();
  void reap_crashes();

  LocalCluster& cluster_;
  NamespaceNetwork* network_;
  const RunClock& clock_;
  std::vector<PlannedFault> plan_;
  ProgressLog log_;
  std::vector<FaultRecord> records_;
  std::vector<std::string> crashes_;
  std::optional<Active> active_;
  uint64_t last_leader_probe_us_ = 0;
};

}  // namespace chorus::chaos
