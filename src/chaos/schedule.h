// The fault schedule: which fault starts when and for how long, drawn from the run's seed alone,
// so that `--seed N` replays the same plan. Targets are roles (the leader, a follower) resolved
// when the fault starts: who leads is the cluster's choice, not the plan's.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chorus::chaos {

enum class FaultKind : uint8_t {
  kKillLeader,     // kill -9 the leader; restart it when the fault ends
  kKillFollower,   // kill -9 a follower; restart it when the fault ends
  kPauseLeader,    // SIGSTOP the leader; SIGCONT when the fault ends
  kPauseFollower,  // SIGSTOP a follower; SIGCONT when the fault ends
  // Membership change: MemberRemove a follower, kill and wipe it; when the fault ends, MemberAdd
  // it back at the same address and start it empty (it catches up from the leader).
  kReplaceFollower,
  // The same membership change while another fault runs: 5 to 15% of every member's incoming
  // packets are dropped from before the MemberRemove until after the MemberAdd and the empty
  // member's start (network mode only; healed by rejoining the member, then the network).
  kReplaceFollowerUnderLoss,
  // Fill a member's own disk (a tmpfs; root only); free it when the fault ends, and restart the
  // member if it stopped, as a member that cannot persist must.
  kDiskFull,
  // Network mode only (network.h): members lose each other; clients still reach every member.
  kPartitionLeader,  // the leader alone on one side of the partition
  kPartitionHalves,  // a random minority against the majority
  kPartitionBridge,  // two sides that see one bridge member but not each other
  kPartitionOneWay,  // the leader hears no one; everyone still hears the leader
  kPacketLoss,       // 20 to 40% of every member's incoming packets dropped
  kNetworkDegraded,  // netem: delay and jitter, duplicated and reordered packets
};

// Whether a fault is a network fault (healed by healing the network, not the process).
bool is_network_fault(FaultKind kind);
// Whether a fault needs the network mode (the network faults and the composite ones).
bool needs_network(FaultKind kind);

// The faults a plan may draw from, by what the mode can inject.
struct FaultMenu {
  bool membership = true;  // kReplaceFollower (and, with `network`, kReplaceFollowerUnderLoss)
  bool disk = false;       // kDiskFull (members on disks of their own)
  bool network = false;    // partitions and packet loss
  bool netem = false;      // and kNetworkDegraded (the kernel has sch_netem)
  // Non-empty: every fault is drawn from these alone, evenly (`chorus chaos --faults`).
  std::vector<FaultKind> only;
};

// The kind named `name` (as fault_name writes it), or nullopt.
std::optional<FaultKind> fault_kind_named(const std::string& name);
// Every kind, in declaration order (for --help and validation).
std::vector<FaultKind> all_fault_kinds();

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
// With a network menu, half the faults (drawn) are network faults, evenly over those the menu has;
// without one, the plan is what it was before network faults existed (the pinned CI plan).
std::vector<PlannedFault> plan_faults(uint64_t seed, std::chrono::milliseconds duration,
                                      std::chrono::milliseconds interval,
                                      const FaultMenu& menu = {});

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
