#include "chaos/schedule.h"

#include <algorithm>
#include <cstdlib>

namespace chorus::chaos {

std::string fault_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::kKillLeader:
      return "kill-leader";
    case FaultKind::kKillFollower:
      return "kill-follower";
    case FaultKind::kPauseLeader:
      return "pause-leader";
    case FaultKind::kPauseFollower:
      return "pause-follower";
    case FaultKind::kReplaceFollower:
      return "replace-follower";
    case FaultKind::kReplaceFollowerUnderLoss:
      return "replace-follower-under-loss";
    case FaultKind::kDiskFull:
      return "disk-full";
    case FaultKind::kPartitionLeader:
      return "partition-leader";
    case FaultKind::kPartitionHalves:
      return "partition-halves";
    case FaultKind::kPartitionBridge:
      return "partition-bridge";
    case FaultKind::kPartitionOneWay:
      return "partition-one-way";
    case FaultKind::kPacketLoss:
      return "packet-loss";
    case FaultKind::kNetworkDegraded:
      return "network-degraded";
  }
  std::abort();
}

std::vector<FaultKind> all_fault_kinds() {
  std::vector<FaultKind> kinds;
  for (int k = 0; k <= static_cast<int>(FaultKind::kNetworkDegraded); ++k)
    kinds.push_back(static_cast<FaultKind>(k));
  return kinds;
}

std::optional<FaultKind> fault_kind_named(const std::string& name) {
  for (FaultKind kind : all_fault_kinds()) {
    if (fault_name(kind) == name) return kind;
  }
  return std::nullopt;
}

bool is_network_fault(FaultKind kind) {
  return kind >= FaultKind::kPartitionLeader;
}

bool needs_network(FaultKind kind) {
  return is_network_fault(kind) || kind == FaultKind::kReplaceFollowerUnderLoss;
}

uint64_t SeededRandom::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SeededRandom::below(uint64_t bound) {
  if (bound == 0) std::abort();
  return next() % bound;
}

std::vector<PlannedFault> plan_faults(uint64_t seed, std::chrono::milliseconds duration,
                                      std::chrono::milliseconds interval, const FaultMenu& menu) {
  using std::chrono::milliseconds;
  std::vector<PlannedFault> plan;
  if (interval < milliseconds(1000)) interval = milliseconds(1000);
  SeededRandom random(seed);
  // The cluster first shows its fault-free throughput: the baseline of the recovery times.
  const milliseconds warm_up = std::min(milliseconds(3000), interval / 2);
  const milliseconds heal_margin(2000);
  for (milliseconds start = warm_up; plan.size() < kMaxPlannedFaults; start += interval) {
    PlannedFault fault;
    fault.start = start;
    fault.duration = interval * (40 + static_cast<int64_t>(random.below(26))) / 100;
    // Pauses are the faults that expose stale reads (a resumed member serves before it catches
    // up), so they are drawn more often than kills.
    const uint64_t draw = random.below(10);
    fault.kind = draw < 2   ? FaultKind::kKillLeader
                 : draw < 4 ? FaultKind::kKillFollower
                 : draw < 7 ? FaultKind::kPauseLeader
                            : FaultKind::kPauseFollower;
    fault.pick = static_cast<uint32_t>(random.below(1u << 16));
    if (menu.membership && random.below(10) == 0) {
      fault.kind = FaultKind::kReplaceFollower;
      // The network mode changes membership while another fault runs, half the time.
      if (menu.network && random.below(2) == 0) fault.kind = FaultKind::kReplaceFollowerUnderLoss;
    }
    if (menu.disk && random.below(10) == 0) fault.kind = FaultKind::kDiskFull;
    if (menu.network && random.below(2) == 1) {
      const uint64_t kinds = menu.netem ? 6 : 5;
      fault.kind = static_cast<FaultKind>(static_cast<uint64_t>(FaultKind::kPartitionLeader) +
                                          random.below(kinds));
    }
    if (!menu.only.empty()) fault.kind = menu.only[random.below(menu.only.size())];
    if (fault.start + fault.duration + heal_margin > duration) break;
    plan.push_back(fault);
  }
  return plan;
}

}  // namespace chorus::chaos
