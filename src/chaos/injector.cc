#include "chaos/injector.h"

#include <fmt/format.h>

#include <thread>

namespace chorus::chaos {

namespace {
constexpr uint64_t kTickUs = 20'000;
constexpr uint64_t kLeaderProbeUs = 100'000;
// A leader fault's new leader is looked for until this long after the heal.
constexpr uint64_t kLeaderWaitAfterHealUs = 10'000'000;
}  // namespace

FaultInjector::FaultInjector(LocalCluster& cluster, const RunClock& clock,
                             std::vector<PlannedFault> plan, ProgressLog log)
    : cluster_(cluster), clock_(clock), plan_(std::move(plan)), log_(std::move(log)) {}

std::optional<size_t> FaultInjector::any_leader() {
  for (size_t i = 0; i < cluster_.size(); ++i) {
    if (auto leader = cluster_.leader_seen_by(i); leader && cluster_.serving(*leader))
      return leader;
  }
  return std::nullopt;
}

void FaultInjector::start(const PlannedFault& planned) {
  const std::optional<size_t> leader = any_leader();
  const bool wants_leader =
      planned.kind == FaultKind::kKillLeader || planned.kind == FaultKind::kPauseLeader;
  std::vector<size_t> candidates;
  for (size_t i = 0; i < cluster_.size(); ++i) {
    if (!cluster_.serving(i)) continue;
    if (wants_leader ? (leader && i == *leader) : (!leader || i != *leader))
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
  if (planned.kind == FaultKind::kKillLeader || planned.kind == FaultKind::kKillFollower) {
    cluster_.kill(member);
  } else {
    cluster_.pause(member);
  }
  log_(fmt::format("{} {} for {} ms", fault_name(planned.kind), record.member,
                   planned.duration.count()));
  records_.push_back(record);
  active_ = Active{member, record.start_us + static_cast<uint64_t>(planned.duration.count()) * 1000,
                   false, records_.size() - 1};
}

void FaultInjector::heal() {
  FaultRecord& record = records_[active_->record];
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
    const std::string what =
        fmt::format("{} exited on its own at {:.3f}s (see {})", cluster_.member(i).name,
                    clock_.now_us() / 1e6, cluster_.member(i).log_path);
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
