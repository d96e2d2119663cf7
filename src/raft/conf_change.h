// Membership changes.
//
// Chorus uses joint consensus (Raft paper §6; dissertation §4.3) for any change that touches
// more than one voter, and a simple one-step change when at most one voter changes. Either
// way a leader accepts a change only after an entry of its own term is committed and while no
// other change is pending: that is the fix for the single-server bug in the dissertation
// (Ongaro, raft-dev, 2015), and joint consensus does not need it but gets it for free.
// A change takes effect when its entry is applied, on every node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "raft/result.h"
#include "raft/tracker.h"

namespace chorus::raft {

enum class ConfChangeType : uint8_t {
  kAddNode = 0,     // add as a voter, or promote a learner
  kRemoveNode = 1,  // remove a voter or a learner
  kAddLearner = 2,  // add as a learner, or demote a voter
};

struct ConfChangeSingle {
  ConfChangeType type;
  NodeId node;
  bool operator==(const ConfChangeSingle&) const = default;
};

enum class ConfChangeTransition : uint8_t {
  // Joint consensus when needed, left automatically by the leader.
  kAuto = 0,
  // Always joint; left automatically.
  kJointImplicit = 1,
  // Always joint; left only by an explicit empty change.
  kJointExplicit = 2,
};

struct ConfChange {
  ConfChangeTransition transition = ConfChangeTransition::kAuto;
  // Empty: leave the current joint configuration.
  std::vector<ConfChangeSingle> changes;
  // Opaque to the core (the server stores the new member's URLs here).
  std::string context;

  bool leaves_joint() const { return changes.empty(); }
  // Whether this change is applied through a joint configuration, and whether that is left
  // automatically.
  bool enters_joint(bool* auto_leave) const;
  bool operator==(const ConfChange&) const = default;
};

std::string encode(const ConfChange& change);
std::optional<ConfChange> decode_conf_change(const std::string& data);
std::string to_string(const ConfChange& change);

struct ChangeResult {
  Config config;
  ProgressMap progress;
};

// Computes the configuration (and progress map) that results from applying a change to the
// current one. Invalid changes (e.g. entering a joint state twice, removing every voter)
// return an error description and leave nothing modified.
class Changer {
 public:
  Changer(const ProgressTracker& tracker, Index last_index)
      : tracker_(tracker), last_index_(last_index) {}

  std::optional<std::string> enter_joint(bool auto_leave,
                                         const std::vector<ConfChangeSingle>& changes,
                                         ChangeResult* out) const;
  std::optional<std::string> leave_joint(ChangeResult* out) const;
  std::optional<std::string> simple(const std::vector<ConfChangeSingle>& changes,
                                    ChangeResult* out) const;
  // Dispatches `change` to leave_joint, enter_joint or simple.
  std::optional<std::string> apply_change(const ConfChange& change, ChangeResult* out) const;

 private:
  std::optional<std::string> apply(Config& config, ProgressMap& progress,
                                   const std::vector<ConfChangeSingle>& changes) const;
  void make_voter(Config& config, ProgressMap& progress, NodeId id) const;
  void make_learner(Config& config, ProgressMap& progress, NodeId id) const;
  void remove(Config& config, ProgressMap& progress, NodeId id) const;
  void init_progress(Config& config, ProgressMap& progress, NodeId id, bool learner) const;

  const ProgressTracker& tracker_;
  Index last_index_;
};

// Rebuilds a configuration from a ConfState (snapshots, restarts).
std::optional<std::string> restore_config(const ConfState& state, Index last_index,
                                          ProgressTracker& tracker);

}  // namespace chorus::raft
