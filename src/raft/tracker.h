// The leader's view of the group: the current configuration, one Progress per member, and
// the votes collected in an election.
#pragma once

#include <functional>
#include <map>
#include <set>

#include "raft/progress.h"
#include "raft/quorum.h"

namespace chorus::raft {

struct Config {
  JointConfig voters;
  // Invariant: learners and voters (of either half) are disjoint.
  std::set<NodeId> learners;
  // Voters of the outgoing half that become learners on leaving the joint configuration.
  std::set<NodeId> learners_next;
  bool auto_leave = false;

  std::string to_string() const;
  ConfState to_conf_state() const;
};

using ProgressMap = std::map<NodeId, Progress>;

class ProgressTracker {
 public:
  explicit ProgressTracker(ProgressLimits limits) : limits_(limits) {}

  Config config;
  ProgressMap progress;

  ProgressLimits limits() const { return limits_; }
  bool is_voter(NodeId id) const { return config.voters.contains(id); }
  bool is_learner(NodeId id) const { return config.learners.count(id) > 0; }
  bool is_member(NodeId id) const { return is_voter(id) || is_learner(id); }
  bool is_singleton() const {
    return config.voters.incoming.size() == 1 && !config.voters.is_joint();
  }
  Progress* find(NodeId id);
  const Progress* find(NodeId id) const;

  // The largest index replicated on a quorum of voters (joint-aware).
  Index committed() const;
  // Whether a quorum of voters was heard from since the last reset (check-quorum).
  bool quorum_active() const;
  void reset_votes() { votes_.clear(); }
  void record_vote(NodeId id, bool granted);
  VoteResult tally_votes(size_t* granted, size_t* rejected) const;
  const std::map<NodeId, bool>& votes() const { return votes_; }

 private:
  ProgressLimits limits_;
  std::map<NodeId, bool> votes_;
};

}  // namespace chorus::raft
