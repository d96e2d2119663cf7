// The nemesis: the simulator's schedule of faults. Every choice is drawn from the seed.
#include <fmt/format.h>

#include <algorithm>

#include "sim/world.h"

namespace chorus::sim {

namespace {
std::string describe(const std::vector<NodeId>& ids) {
  std::string out = "{";
  for (NodeId id : ids) {
    if (out.size() > 1) out += ",";
    out += std::to_string(id.value);
  }
  return out + "}";
}
}  // namespace

void World::choose_fault_profile() {
  // Each kind of fault is on in most seeds but off in some, so that each also gets runs where
  // the others do not mask it.
  profile_.crashes = random_.chance(3, 4);
  profile_.crash_mid_persist = random_.chance(3, 4);
  profile_.fsync_errors = random_.chance(1, 2);
  profile_.pauses = random_.chance(1, 2);
  profile_.partitions = random_.chance(3, 4);
  profile_.lossy_network = random_.chance(3, 4);
  profile_.membership = random_.chance(2, 3);
  profile_.transfers = random_.chance(1, 2);
  profile_.mean_gap_ms = 40 + random_.uniform(260);
  profile_.leader_churn = random_.chance(1, 4);
  if (profile_.leader_churn) profile_.mean_gap_ms = 15 + random_.uniform(60);
  next_fault_at_ = random_.uniform(2 * profile_.mean_gap_ms);
}

void World::maybe_inject_fault() {
  if (now_ < next_fault_at_) return;
  next_fault_at_ = now_ + 1 + random_.uniform(2 * profile_.mean_gap_ms);
  if (heal_partition_at_ != 0 && now_ >= heal_partition_at_) {
    network_.heal();
    heal_partition_at_ = 0;
    trace_world("nemesis: partition healed");
  }
  if (profile_.leader_churn && random_.chance(2, 3)) {
    churn_leader();
    return;
  }
  switch (random_.uniform(7)) {
    case 0:
      if (profile_.crashes) {
        SimNode* node = random_up_node(random_.chance(1, 2));
        if (node != nullptr && profile_.fsync_errors && random_.chance(1, 4)) {
          fsync_error(*node);
        } else if (node != nullptr) {
          crash(*node, profile_.crash_mid_persist && random_.chance(1, 2));
        }
        // Occasionally every node at once (a power failure).
        if (random_.chance(1, 25)) {
          for (auto& [id, member] : nodes_) {
            if (member->up()) crash(*member, false);
          }
        }
      }
      break;
    case 1:
      if (profile_.pauses) {
        if (SimNode* node = random_up_node(random_.chance(1, 2))) pause(*node);
      }
      break;
    case 2:
    case 3:
      if (profile_.partitions) partition();
      break;
    case 4:
      if (profile_.lossy_network) change_network();
      break;
    case 5:
      if (profile_.membership) change_membership();
      break;
    case 6:
      if (profile_.transfers) transfer_leadership();
      break;
  }
}

SimNode* World::random_up_node(bool prefer_leader) {
  if (prefer_leader) {
    if (SimNode* lead = leader()) return lead;
  }
  std::vector<SimNode*> up;
  for (auto& [id, node] : nodes_) {
    if (node->up() && !node->paused()) up.push_back(node.get());
  }
  if (up.empty()) return nullptr;
  return up[random_.uniform(up.size())];
}

void World::crash(SimNode& node, bool mid_persist) {
  const uint64_t down_ms = 20 + random_.uniform(600);
  restart_at_[node.id()] = now_ + down_ms;
  if (mid_persist) {
    // The crash happens inside the node's next Ready: after the messages that may leave early
    // are sent, before its state is durable.
    crash_next_ready_.insert(node.id());
    count_fault("crash-mid-persist");
    trace_world(
        fmt::format("nemesis: crash n{} while it persists its next ready", node.id().value));
    return;
  }
  node.crash();
  count_fault("crash");
  trace_world(fmt::format("nemesis: crash n{} (restart in {} ms)", node.id().value, down_ms));
}

void World::churn_leader() {
  SimNode* lead = leader();
  if (lead == nullptr) return;
  if (random_.chance(1, 2)) {
    // Crash it, sometimes mid-persist, and bring it back soon.
    crash(*lead, profile_.crash_mid_persist && random_.chance(1, 3));
    restart_at_[lead->id()] = now_ + 10 + random_.uniform(150);
    return;
  }
  // Cut it off, with at most one follower, for a moment: it keeps accepting proposals that
  // reach only that minority and cannot commit.
  std::vector<NodeId> minority{lead->id()};
  std::vector<NodeId> majority;
  for (const auto& [id, node] : nodes_) {
    if (id != lead->id()) majority.push_back(id);
  }
  if (nodes_.size() >= 5 && random_.chance(1, 2)) {
    const size_t pick = random_.uniform(majority.size());
    minority.push_back(majority[pick]);
    majority.erase(majority.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  network_.heal();
  for (NodeId x : minority) {
    for (NodeId y : majority) {
      network_.block(x, y);
      network_.block(y, x);
    }
  }
  heal_partition_at_ = now_ + 20 + random_.uniform(300);
  count_fault("partition");
  trace_world(fmt::format("nemesis: isolate leader n{} with {} briefly", lead->id().value,
                          describe(minority)));
}

void World::fsync_error(SimNode& node) {
  // The node's next fdatasync fails; it must stop, and is restarted later like a crash.
  fsync_error_next_ready_.insert(node.id());
  restart_at_[node.id()] = now_ + 20 + random_.uniform(600);
  count_fault("fsync-error");
  trace_world(fmt::format("nemesis: the next fsync of n{} fails", node.id().value));
}

void World::pause(SimNode& node) {
  const uint64_t pause_ms = 20 + random_.uniform(500);
  node.set_paused(true);
  resume_at_[node.id()] = now_ + pause_ms;
  count_fault("pause");
  trace_world(fmt::format("nemesis: pause n{} for {} ms", node.id().value, pause_ms));
}

void World::restore_due() {
  for (auto it = crash_at_.begin(); it != crash_at_.end();) {
    if (now_ < it->second) {
      ++it;
      continue;
    }
    SimNode& node = *nodes_.at(it->first);
    if (node.up() && !healing_) {
      crash(node, profile_.crash_mid_persist && random_.chance(1, 4));
      restart_at_[node.id()] = now_ + 5 + random_.uniform(100);
    }
    it = crash_at_.erase(it);
  }
  for (auto it = restart_at_.begin(); it != restart_at_.end();) {
    SimNode& node = *nodes_.at(it->first);
    if (now_ < it->second) {
      ++it;
      continue;
    }
    // A mid-persist fault that never found a Ready to strike has not happened: drop it.
    crash_next_ready_.erase(it->first);
    fsync_error_next_ready_.erase(it->first);
    if (!node.up()) {
      node.start();
      trace_world(fmt::format("nemesis: restart n{}", node.id().value));
    }
    it = restart_at_.erase(it);
  }
  for (auto it = resume_at_.begin(); it != resume_at_.end();) {
    if (now_ < it->second) {
      ++it;
      continue;
    }
    nodes_.at(it->first)->set_paused(false);
    trace_world(fmt::format("nemesis: resume n{}", it->first.value));
    it = resume_at_.erase(it);
  }
}

void World::partition() {
  std::vector<NodeId> ids;
  for (const auto& [id, node] : nodes_) ids.push_back(id);
  // Shuffle (Fisher-Yates with the seeded generator).
  for (size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[random_.uniform(i)]);
  network_.heal();
  const uint64_t kind = random_.uniform(4);
  std::string description;
  if (kind == 0) {
    // Two sides, usually a majority and a minority.
    const size_t cut = 1 + random_.uniform(ids.size() - 1);
    std::vector<NodeId> a(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<NodeId> b(ids.begin() + static_cast<std::ptrdiff_t>(cut), ids.end());
    for (NodeId x : a) {
      for (NodeId y : b) {
        network_.block(x, y);
        network_.block(y, x);
      }
    }
    description = "partition " + describe(a) + " | " + describe(b);
  } else if (kind == 1) {
    SimNode* lead = leader();
    const NodeId isolated = lead != nullptr ? lead->id() : ids.front();
    for (NodeId other : ids) {
      if (other == isolated) continue;
      network_.block(isolated, other);
      network_.block(other, isolated);
    }
    description = fmt::format("isolate n{}{}", isolated.value, lead != nullptr ? " (leader)" : "");
  } else if (kind == 2) {
    // A bridge: two sides that cannot talk, and one node that talks to both.
    const NodeId bridge = ids.front();
    const size_t cut = 1 + ids.size() / 2;
    std::vector<NodeId> a(ids.begin() + 1, ids.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<NodeId> b(ids.begin() + static_cast<std::ptrdiff_t>(cut), ids.end());
    for (NodeId x : a) {
      for (NodeId y : b) {
        network_.block(x, y);
        network_.block(y, x);
      }
    }
    description =
        fmt::format("bridge n{} between {} and {}", bridge.value, describe(a), describe(b));
  } else {
    // One way: some nodes can send but not receive from the others.
    const size_t cut = 1 + random_.uniform(ids.size() - 1);
    std::vector<NodeId> a(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<NodeId> b(ids.begin() + static_cast<std::ptrdiff_t>(cut), ids.end());
    for (NodeId x : a) {
      for (NodeId y : b) network_.block(x, y);
    }
    description = "one-way " + describe(a) + " -/-> " + describe(b);
  }
  heal_partition_at_ = now_ + 50 + random_.uniform(800);
  count_fault("partition");
  trace_world("nemesis: " + description);
}

void World::change_network() {
  NetworkFaults faults;
  faults.drop_per_mille = random_.uniform(4) == 0 ? 0 : random_.uniform(200);
  faults.duplicate_per_mille = random_.uniform(100);
  faults.latency_min_ms = 1;
  faults.latency_max_ms = 1 + random_.uniform(20);
  faults.spike_ms = random_.uniform(150);
  network_.set_faults(faults);
  count_fault("network");
  trace_world(fmt::format("nemesis: network drop {}‰ duplicate {}‰ latency 1-{} ms spikes {} ms",
                          faults.drop_per_mille, faults.duplicate_per_mille, faults.latency_max_ms,
                          faults.spike_ms));
}

void World::change_membership() {
  SimNode* lead = leader();
  if (lead == nullptr) return;
  raft::Raft& raft = *lead->raft();
  const raft::Config& config = raft.tracker().config;
  if (config.voters.is_joint()) return;
  std::vector<NodeId> voters(config.voters.incoming.voters().begin(),
                             config.voters.incoming.voters().end());
  std::vector<NodeId> learners(config.learners.begin(), config.learners.end());
  raft::ConfChange change;
  const uint64_t choice = random_.uniform(4);
  if (choice == 0 && voters.size() + learners.size() < 7 && nodes_.size() < 10) {
    // A brand-new node joins as a learner and catches up (through a snapshot if the log was
    // compacted) before anyone promotes it.
    const NodeId id{next_node_id_++};
    NodeTuning tuning = tuning_;
    tuning.seed = random_.next();
    auto node = std::make_unique<SimNode>(id, tuning, *this);
    node->start();
    nodes_.emplace(id, std::move(node));
    change.changes.push_back({raft::ConfChangeType::kAddLearner, id});
  } else if (choice == 1 && !learners.empty() && voters.size() < 7) {
    change.changes.push_back(
        {raft::ConfChangeType::kAddNode, learners[random_.uniform(learners.size())]});
  } else if (choice == 2 && voters.size() > 3) {
    // Possibly the leader itself.
    change.changes.push_back(
        {raft::ConfChangeType::kRemoveNode, voters[random_.uniform(voters.size())]});
  } else if (choice == 3 && !learners.empty() && voters.size() >= 3) {
    // Swap a learner in and a voter out in one joint change.
    change.changes.push_back(
        {raft::ConfChangeType::kAddNode, learners[random_.uniform(learners.size())]});
    change.changes.push_back(
        {raft::ConfChangeType::kRemoveNode, voters[random_.uniform(voters.size())]});
  } else {
    return;
  }
  const bool accepted = raft.propose_conf_change(change).ok();
  if (accepted) membership_changed_ = true;
  count_fault("membership");
  trace_world(fmt::format("nemesis: propose {} on leader n{}: {}", raft::to_string(change),
                          lead->id().value, accepted ? "accepted" : "refused"));
}

void World::transfer_leadership() {
  SimNode* lead = leader();
  if (lead == nullptr) return;
  const auto& voters = lead->raft()->tracker().config.voters.incoming.voters();
  std::vector<NodeId> others;
  for (NodeId id : voters) {
    if (id != lead->id()) others.push_back(id);
  }
  if (others.empty()) return;
  const NodeId target = others[random_.uniform(others.size())];
  lead->raft()->transfer_leadership(target);
  count_fault("transfer");
  trace_world(
      fmt::format("nemesis: transfer leadership n{} -> n{}", lead->id().value, target.value));
}

void World::heal_everything() {
  network_.heal();
  heal_partition_at_ = 0;
  network_.set_faults(NetworkFaults{});
  crash_next_ready_.clear();
  fsync_error_next_ready_.clear();
  for (auto& [id, node] : nodes_) {
    node->set_paused(false);
    if (!node->up()) node->start();
  }
  restart_at_.clear();
  resume_at_.clear();
  crash_at_.clear();
}

}  // namespace chorus::sim
