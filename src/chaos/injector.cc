#include "chaos/injector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "chaos/network.h"

namespace chorus::chaos {

namespace {
constexpr uint64_t kTickUs = 20'000;
constexpr uint64_t kLeaderProbeUs = 100'000;
// A leader fault's new leader is looked for until this long after the heal.
constexpr uint64_t kLeaderWaitAfterHealUs = 10'000'000;
}  // namespace

FaultInjector::FaultInjector(LocalCluster& cluster, NamespaceNetwork* network,
                             const RunClock& clock, std::vector<PlannedFault> plan, ProgressLog log)
    : cluster_(cluster),
      network_(network),
      clock_(clock),
      plan_(std::move(plan)),
      log_(std::move(log)) {}

std::optional<size_t> FaultInjector::any_leader() {
  const std::optional<size_t> leader = cluster_.newest_leader();
  if (leader && cluster_.serving(*leader)) return leader;
  return std::nullopt;
}

namespace {

std::string names(const LocalCluster& cluster, const std::vector<size_t>& members) {
  std::string text;
  for (size_t m : members) text += (text.empty() ? "" : " ") + cluster.member(m).name;
  return text;
}

// Both directions between every member of `a` and every member of `b`.
void block_between(const std::vector<size_t>& a, const std::vector<size_t>& b,
                   std::vector<std::pair<size_t, size_t>>& blocked) {
  for (size_t x : a) {
    for (size_t y : b) {
      blocked.emplace_back(x, y);
      blocked.emplace_back(y, x);
    }
  }
}

}  // namespace

std::optional<size_t> FaultInjector::start_network_fault(const PlannedFault& planned,
                                                         std::optional<size_t> leader,
                                                         FaultRecord& record) {
  const size_t n = cluster_.size();
  // The members in an order drawn from the plan: the same seed splits them the same way.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  SeededRandom random(planned.pick);
  for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[random.below(i + 1)]);
  const bool needs_leader =
      planned.kind == FaultKind::kPartitionLeader || planned.kind == FaultKind::kPartitionOneWay;
  if (needs_leader && !leader) {
    log_(fault_name(planned.kind) + ": skipped, no leader known");
    return std::nullopt;
  }
  std::vector<std::pair<size_t, size_t>> blocked;
  std::optional<size_t> measured;  // the member whose loss makes the others elect
  bool ok = true;
  switch (planned.kind) {
    case FaultKind::kPartitionLeader:
    case FaultKind::kPartitionHalves: {
      std::vector<size_t> minority, majority;
      if (planned.kind == FaultKind::kPartitionLeader) {
        minority = {*leader};
      } else {
        minority.assign(order.begin(), order.begin() + static_cast<long>((n - 1) / 2));
      }
      for (size_t i : order) {
        if (std::find(minority.begin(), minority.end(), i) == minority.end()) majority.push_back(i);
      }
      block_between(minority, majority, blocked);
      record.member = names(cluster_, minority) + " | " + names(cluster_, majority);
      if (leader && std::find(minority.begin(), minority.end(), *leader) != minority.end())
        measured = *leader;
      ok = network_->partition(blocked);
      break;
    }
    case FaultKind::kPartitionBridge: {
      // order[0] bridges; the others split in two halves that do not see each other.
      const std::vector<size_t> rest(order.begin() + 1, order.end());
      const std::vector<size_t> a(rest.begin(), rest.begin() + static_cast<long>(rest.size() / 2));
      const std::vector<size_t> b(rest.begin() + static_cast<long>(rest.size() / 2), rest.end());
      block_between(a, b, blocked);
      record.member = fmt::format("{} | {} (bridge {})", names(cluster_, a), names(cluster_, b),
                                  cluster_.member(order[0]).name);
      ok = network_->partition(blocked);
      break;
    }
    case FaultKind::kPartitionOneWay:
      for (size_t i = 0; i < n; ++i) {
        if (i != *leader) blocked.emplace_back(i, *leader);
      }
      record.member = cluster_.member(*leader).name + " hears no one";
      measured = *leader;
      ok = network_->partition(blocked);
      break;
    case FaultKind::kPacketLoss: {
      const int percent = 20 + static_cast<int>(planned.pick % 21);
      record.member = fmt::format("all ({}% loss)", percent);
      ok = network_->lose_packets(percent);
      break;
    }
    case FaultKind::kNetworkDegraded:
      record.member = "all (50±40 ms, 5% duplicated, 25% reordered)";
      ok = network_->degrade(50, 40, 5, 25);
      break;
    default:
      std::abort();
  }
  if (!ok) log_(fault_name(planned.kind) + " not fully applied: " + network_->last_error());
  record.hit_leader = measured.has_value();
  return measured.value_or(order[0]);
}

void FaultInjector::start(const PlannedFault& planned) {
  const std::optional<size_t> leader = any_leader();
  if (is_network_fault(planned.kind)) {
    if (network_ == nullptr) {
      log_(fault_name(planned.kind) + ": skipped, loopback mode has no network faults");
      return;
    }
    FaultRecord record;
    record.kind = planned.kind;
    record.start_us = clock_.now_us();
    const std::optional<size_t> member = start_network_fault(planned, leader, record);
    if (!member) return;
    log_(fmt::format("{} {} for {} ms", fault_name(planned.kind), record.member,
                     planned.duration.count()));
    records_.push_back(record);
    active_ =
        Active{*member, record.start_us + static_cast<uint64_t>(planned.duration.count()) * 1000,
               false, records_.size() - 1};
    return;
  }
  const bool replace = planned.kind == FaultKind::kReplaceFollower ||
                       planned.kind == FaultKind::kReplaceFollowerUnderLoss;
  if (planned.kind == FaultKind::kReplaceFollowerUnderLoss && network_ == nullptr) {
    log_(fault_name(planned.kind) + ": skipped, loopback mode has no network faults");
    return;
  }
  const bool wants_leader =
      planned.kind == FaultKind::kKillLeader || planned.kind == FaultKind::kPauseLeader;
  std::vector<size_t> candidates;
  for (size_t i = 0; i < cluster_.size(); ++i) {
    if (!cluster_.serving(i)) continue;
    if (planned.kind == FaultKind::kDiskFull ||
        (wants_leader ? (leader && i == *leader) : (!leader || i != *leader)))
      candidates.push_back(i);
  }
  if (candidates.empty()) {
    log_(fmt::format("{}: skipped, no {} to hit", fault_name(planned.kind),
                     wants_leader ? "leader known" : "follower serving"));
    return;
  }
  const size_t member = candidates[planned.pick % candidates.size()];
  FaultRecord record;
  record.kind = planned.kind;
  record.member = cluster_.member(member).name;
  record.hit_leader = leader && member == *leader;
  record.start_us = clock_.now_us();
  if (planned.kind == FaultKind::kDiskFull) {
    std::string why;
    if (!cluster_.fill_disk(member, why)) {
      log_(fault_name(planned.kind) + ": skipped, " + why);
      return;
    }
  } else if (replace) {
    if (planned.kind == FaultKind::kReplaceFollowerUnderLoss) {
      // Lighter than packet-loss's 20-40%: at that rate TCP's backoff stretched one MemberAdd
      // past 30 s, and the change, not the loss, is what this fault is about.
      const int percent = 5 + static_cast<int>(planned.pick % 11);
      record.member += fmt::format(" ({}% loss)", percent);
      if (!network_->lose_packets(percent)) {
        log_(fault_name(planned.kind) +
             ": packet loss not fully applied: " + network_->last_error());
      }
    }
    std::string why;
    if (!cluster_.remove_member(member, why)) {
      if (planned.kind == FaultKind::kReplaceFollowerUnderLoss && !network_->heal()) {
        log_("network heal incomplete: " + network_->last_error());
      }
      log_(fault_name(planned.kind) + ": skipped, " + why);
      return;
    }
  } else if (planned.kind == FaultKind::kKillLeader || planned.kind == FaultKind::kKillFollower) {
    cluster_.kill(member);
  } else if (!cluster_.pause(member)) {
    log_(fmt::format("member {} was sent SIGSTOP but not every thread stopped within 5 s",
                     record.member));
  }
  log_(fmt::format("{} {} for {} ms", fault_name(planned.kind), record.member,
                   planned.duration.count()));
  records_.push_back(record);
  active_ = Active{member, record.start_us + static_cast<uint64_t>(planned.duration.count()) * 1000,
                   false, records_.size() - 1};
}

void FaultInjector::heal() {
  FaultRecord& record = records_[active_->record];
  if (is_network_fault(record.kind)) {
    if (!network_->heal()) log_("network heal incomplete: " + network_->last_error());
    record.end_us = clock_.now_us();
    active_->healed = true;
    log_("healed the network");
    return;
  }
  if (record.kind == FaultKind::kDiskFull) {
    cluster_.free_disk(active_->member);
    const bool stopped =
        cluster_.exited_unexpectedly(active_->member) || !cluster_.serving(active_->member);
    if (stopped && !cluster_.restart(active_->member))
      log_("restart of " + record.member + " failed");
    record.end_us = clock_.now_us();
    active_->healed = true;
    log_(fmt::format("healed {} (disk freed{})", record.member, stopped ? ", restarted" : ""));
    return;
  }
  if (record.kind == FaultKind::kReplaceFollower ||
      record.kind == FaultKind::kReplaceFollowerUnderLoss) {
    std::string why;
    bool rejoined = cluster_.rejoin_member(active_->member, why);
    // Under loss, the MemberAdd and the empty member's start happen on the lossy network too;
    // the network heals after them. A MemberAdd that the loss defeated is tried once more on
    // the healed network: a member left out would leave the cluster a voter short.
    const bool lossy = record.kind == FaultKind::kReplaceFollowerUnderLoss;
    if (lossy) {
      if (!network_->heal()) log_("network heal incomplete: " + network_->last_error());
      if (!rejoined) {
        log_("rejoin under loss failed (" + why + "); trying again on the healed network");
        rejoined = cluster_.rejoin_member(active_->member, why);
      }
    }
    if (!rejoined) log_("rejoin failed: " + why);
    record.end_us = clock_.now_us();
    active_->healed = true;
    log_(fmt::format("healed {} (added back as a new member, empty{})", record.member,
                     lossy ? "; then the network" : ""));
    return;
  }
  const bool killed =
      record.kind == FaultKind::kKillLeader || record.kind == FaultKind::kKillFollower;
  if (killed) {
    if (!cluster_.restart(active_->member)) log_("restart of " + record.member + " failed");
  } else {
    cluster_.resume(active_->member);
  }
  record.end_us = clock_.now_us();
  active_->healed = true;
  log_(fmt::format("healed {} ({})", record.member, killed ? "restarted" : "resumed"));
}

void FaultInjector::watch_for_new_leader() {
  FaultRecord& record = records_[active_->record];
  if (!record.hit_leader || record.new_leader_us) return;
  const uint64_t now = clock_.now_us();
  if (now - last_leader_probe_us_ < kLeaderProbeUs) return;
  last_leader_probe_us_ = now;
  for (size_t i = 0; i < cluster_.size(); ++i) {
    if (i == active_->member) continue;
    const auto leader = cluster_.leader_seen_by(i);
    if (leader && *leader != active_->member) {
      record.new_leader_us = clock_.now_us();
      log_(fmt::format("new leader {} after {} ms", cluster_.member(*leader).name,
                       (*record.new_leader_us - record.start_us) / 1000));
      return;
    }
  }
}

void FaultInjector::reap_crashes() {
  for (size_t i = 0; i < cluster_.size(); ++i) {
    if (!cluster_.exited_unexpectedly(i)) continue;
    if (active_ && !active_->healed && active_->member == i &&
        records_[active_->record].kind == FaultKind::kDiskFull) {
      // Fail-stop on a full disk is the promise (a write it cannot persist is never
      // acknowledged); the heal frees the disk and restarts it.
      records_[active_->record].member += " (stopped)";
      log_(fmt::format("{} stopped on its full disk, as it must; restarted at the heal",
                       cluster_.member(i).name));
      continue;
    }
    const std::string what =
        fmt::format("{} exited on its own at {:.3f}s, {} (see {})", cluster_.member(i).name,
                    clock_.now_us() / 1e6, cluster_.last_exit(), cluster_.member(i).log_path);
    crashes_.push_back(what);
    log_(what);
    cluster_.restart(i);  // keep the run going; the verdict fails on the crash anyway
  }
}

void FaultInjector::run(uint64_t origin_us, uint64_t end_us, const std::atomic<bool>& stop) {
  size_t next = 0;
  while (!stop.load() && clock_.now_us() < end_us) {
    const uint64_t now = clock_.now_us();
    reap_crashes();
    if (active_ && !active_->healed && now >= active_->heal_at_us) heal();
    if (active_) {
      watch_for_new_leader();
      const FaultRecord& record = records_[active_->record];
      const bool leader_settled = !record.hit_leader || record.new_leader_us.has_value() ||
                                  now > record.end_us + kLeaderWaitAfterHealUs;
      if (active_->healed && leader_settled) active_.reset();
    }
    if (!active_ && next < plan_.size() &&
        now >= origin_us + static_cast<uint64_t>(plan_[next].start.count()) * 1000) {
      start(plan_[next++]);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(kTickUs));
  }
  if (active_ && !active_->healed) heal();
  active_.reset();
}

}  // namespace chorus::chaos
