// Quorum arithmetic for simple majorities and for joint consensus (Raft paper §6: during a
// configuration change, agreement requires separate majorities of the old and the new
// configuration).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "raft/types.h"

namespace chorus::raft {

enum class VoteResult : uint8_t {
  kPending,  // neither won nor lost yet
  kLost,     // a majority can no longer be reached
  kWon,
};

// Looks up the acknowledged index of a voter; nullopt when unknown.
using AckedIndexFn = std::function<std::optional<Index>(NodeId)>;

class MajorityConfig {
 public:
  MajorityConfig() = default;
  explicit MajorityConfig(std::set<NodeId> voters) : voters_(std::move(voters)) {}

  const std::set<NodeId>& voters() const { return voters_; }
  std::set<NodeId>& voters() { return voters_; }
  bool contains(NodeId id) const { return voters_.count(id) > 0; }
  bool empty() const { return voters_.empty(); }
  size_t size() const { return voters_.size(); }

  // The largest index acknowledged by a majority. An empty configuration returns the
  // maximum index, so that it never holds back a joint configuration's other half.
  Index committed_index(const AckedIndexFn& acked) const;
  // votes: voter -> granted. Votes from non-members are ignored.
  VoteResult vote_result(const std::map<NodeId, bool>& votes) const;

  std::string to_string() const;

 private:
  std::set<NodeId> voters_;
};

class JointConfig {
 public:
  MajorityConfig incoming;
  MajorityConfig outgoing;  // empty unless in a joint configuration

  bool is_joint() const { return !outgoing.empty(); }
  bool contains(NodeId id) const { return incoming.contains(id) || outgoing.contains(id); }
  std::set<NodeId> ids() const;
  Index committed_index(const AckedIndexFn& acked) const;
  VoteResult vote_result(const std::map<NodeId, bool>& votes) const;
  std::string to_string() const;
};

}  // namespace chorus::raft
