// The fault schedule: which fault starts when and for how long, drawn from the run's seed alone,
// so that `--seed N` replays the same plan. Targets are roles (the leader, a follower) resolved
// when the fault starts: who leads is the cluster's choice, not the plan's.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chorus::chaos {

enum class FaultKind : uint8_t {
  kKillLeader,     // kill -9 the leader; restart it when the fault ends
  kKillFollower,   // kill -9 a follower; restart it when the fault ends
  kPauseLeader,    // SIGSTOP the leader; SIGCONT when the fault ends
  kPauseFollower,  // SIGSTOP a follower; SIGCONT when the fault ends
};

std::string fault_name(FaultKind kind);

struct PlannedFault {
  std::chrono::milliseconds start{0};     // since the workloads started
  std::chrono::milliseconds duration{0};  // until the heal (restart or SIGCONT)
  FaultKind kind = FaultKind::kPauseFollower;
  // Chooses among the followers when the fault starts (pick modulo their count).
  uint32_t pick = 0;
};

// The most faults one plan holds: a bound on the injector's work whatever the flags say.
inline constexpr size_t kMaxPlannedFaults = 10'000;

// Faults one after another, never overlapping: one every `interval` from a short warm-up on, each
// lasting 40 to 65% of the interval, the last one healed at least 2 s before `duration` ends.
// Deterministic: the same arguments give the same plan on every platform (own generator, no
// std distributions, whose output the standard leaves to the implementation).
std::vector<PlannedFault> plan_faults(uint64_t seed, std::chrono::milliseconds duration,
                                      std::chrono::milliseconds interval);

// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and the same everywhere.
class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform enough in [0, bound) for bound far below 2^64; bound > 0.
  uint64_t below(uint64_t bound);

 private:
  uint64_t state_;
};

}  // namespace chorus::chaos
