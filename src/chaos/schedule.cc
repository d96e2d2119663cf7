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
  }
  std::abort();
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
                                      std::chrono::milliseconds interval) {
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
    if (fault.start + fault.duration + heal_margin > duration) break;
    plan.push_back(fault);
  }
  return plan;
}

}  // namespace chorus::chaos
