#include "raft/tracker.h"

#include "raft/bugs.h"

namespace chorus::raft {

namespace {
std::string join(const std::set<NodeId>& ids) {
  std::string out;
  for (NodeId id : ids) {
    if (!out.empty()) out += " ";
    out += std::to_string(id.value);
  }
  return out;
}
std::vector<NodeId> to_vector(const std::set<NodeId>& ids) {
  return {ids.begin(), ids.end()};
}
}  // namespace

std::string Config::to_string() const {
  std::string out = "voters=" + voters.to_string();
  if (!learners.empty()) out += " learners=(" + join(learners) + ")";
  if (!learners_next.empty()) out += " learners_next=(" + join(learners_next) + ")";
  if (auto_leave) out += " autoleave";
  return out;
}

ConfState Config::to_conf_state() const {
  ConfState state;
  state.voters = to_vector(voters.incoming.voters());
  state.voters_outgoing = to_vector(voters.outgoing.voters());
  state.learners = to_vector(learners);
  state.learners_next = to_vector(learners_next);
  state.auto_leave = auto_leave;
  return state;
}

Progress* ProgressTracker::find(NodeId id) {
  auto it = progress.find(id);
  return it == progress.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::find(NodeId id) const {
  auto it = progress.find(id);
  return it == progress.end() ? nullptr : &it->second;
}

Index ProgressTracker::committed() const {
  return config.voters.committed_index([this](NodeId id) -> std::optional<Index> {
    auto it = progress.find(id);
    if (it == progress.end()) return std::nullopt;
    return it->second.match();
  });
}

bool ProgressTracker::quorum_active() const {
  std::map<NodeId, bool> active;
  for (const auto& [id, pr] : progress) {
    if (!pr.is_learner()) active[id] = pr.recent_active();
  }
  return config.voters.vote_result(active) == VoteResult::kWon;
}

void ProgressTracker::record_vote(NodeId id, bool granted) {
  // Only the first answer of each node counts (duplicated messages must not count twice).
  votes_.emplace(id, granted);
}

VoteResult ProgressTracker::tally_votes(size_t* granted, size_t* rejected) const {
  *granted = 0;
  *rejected = 0;
  for (const auto& [id, vote] : votes_) {
    // Only voters' answers are counted (votes from learners or removed nodes never are).
    if (!is_voter(id) && !bug_active(Bug::kNonVoterVotes)) continue;
    (vote ? *granted : *rejected) += 1;
  }
#if CHORUS_BUG_INJECTION
  if (bug_active(Bug::kNonVoterVotes)) {
    // The bug: count raw granted answers against the majority size, whoever sent them.
    const size_t quorum = config.voters.incoming.size() / 2 + 1;
    if (*granted >= quorum) return VoteResult::kWon;
  }
#endif
  return config.voters.vote_result(votes_);
}

}  // namespace chorus::raft
