#include "raft/quorum.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace chorus::raft {

Index MajorityConfig::committed_index(const AckedIndexFn& acked) const {
  if (voters_.empty()) return Index{std::numeric_limits<uint64_t>::max()};
  std::vector<Index> indexes;
  indexes.reserve(voters_.size());
  for (NodeId id : voters_) indexes.push_back(acked(id).value_or(Index{}));
  // Sorted descending, the entry at position n/2 (0-based, n voters) is held by n/2+1
  // voters: a majority.
  std::sort(indexes.begin(), indexes.end(), std::greater<>());
  return indexes[voters_.size() / 2];
}

VoteResult MajorityConfig::vote_result(const std::map<NodeId, bool>& votes) const {
  // An empty configuration wins every vote, for the same reason as in committed_index.
  if (voters_.empty()) return VoteResult::kWon;
  size_t granted = 0;
  size_t missing = 0;
  for (NodeId id : voters_) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  const size_t quorum = voters_.size() / 2 + 1;
  if (granted >= quorum) return VoteResult::kWon;
  if (granted + missing >= quorum) return VoteResult::kPending;
  return VoteResult::kLost;
}

std::string MajorityConfig::to_string() const {
  std::string out = "(";
  for (NodeId id : voters_) {
    if (out.size() > 1) out += " ";
    out += std::to_string(id.value);
  }
  return out + ")";
}

std::set<NodeId> JointConfig::ids() const {
  std::set<NodeId> out = incoming.voters();
  out.insert(outgoing.voters().begin(), outgoing.voters().end());
  return out;
}

Index JointConfig::committed_index(const AckedIndexFn& acked) const {
  return std::min(incoming.committed_index(acked), outgoing.committed_index(acked));
}

VoteResult JointConfig::vote_result(const std::map<NodeId, bool>& votes) const {
  const VoteResult a = incoming.vote_result(votes);
  const VoteResult b = outgoing.vote_result(votes);
  if (a == b) return a;
  if (a == VoteResult::kLost || b == VoteResult::kLost) return VoteResult::kLost;
  return VoteResult::kPending;
}

std::string JointConfig::to_string() const {
  if (!is_joint()) return incoming.to_string();
  return incoming.to_string() + "&&" + outgoing.to_string();
}

}  // namespace chorus::raft
