// Membership changes as the core applies them (see conf_change.h for the rules).
#include "raft/invariant.h"
#include "raft/raft.h"

namespace chorus::raft {

ConfState Raft::apply_conf_change(const ConfChange& change) {
  ChangeResult result;
  const std::optional<std::string> error =
      Changer(tracker_, log_.last_index()).apply_change(change, &result);
  // The leader validated the change before proposing it, and every node applies the same
  // committed sequence: a change that does not apply here means replicas diverged.
  CHORUS_INVARIANT(!error, "committed conf change " + to_string(change) +
                               " cannot be applied: " + error.value_or(""));
  switch_to_config(std::move(result));
  return tracker_.config.to_conf_state();
}

void Raft::switch_to_config(ChangeResult result) {
  tracker_.config = std::move(result.config);
  tracker_.progress = std::move(result.progress);
  log_event("applied configuration " + tracker_.config.to_string());
  if (role_ != Role::kLeader) return;
  if (!tracker_.is_voter(id_) && hand_over_leadership()) return;
  if (lead_transferee_ != kNoNode && !tracker_.is_voter(lead_transferee_)) {
    abort_leader_transfer();
  }
  // The quorum changed: entries may now be committed, and new members need their first append.
  if (maybe_commit()) {
    broadcast_append();
  } else {
    for (const auto& [id, pr] : tracker_.progress) {
      if (id != id_ && pr.state() == ProgressState::kProbe && !pr.probe_sent()) send_append(id);
    }
  }
}

// We lead but removed (or demoted) ourselves. Hands over to the most caught-up voter so the
// group does not wait out an election timeout. Returns true if we stepped down.
bool Raft::hand_over_leadership() {
  NodeId best;
  Index best_match;
  for (const auto& [id, pr] : tracker_.progress) {
    if (id != id_ && tracker_.is_voter(id) && pr.match() >= best_match) {
      best = id;
      best_match = pr.match();
    }
  }
  if (best != kNoNode && best_match < log_.last_index()) {
    // Stepping down now could leave the group leaderless for good: the voters may not know yet
    // that the change is committed (in their view we are still a voter, perhaps a necessary
    // one), and we would refuse our vote to their logs, shorter than ours. Lead on (taking no
    // proposals) and hand over by a leadership transfer, which first catches `best` up;
    // tick_heartbeat calls us again if the transfer times out.
    if (lead_transferee_ != best) {
      log_event("no longer a voter: handing over to " + std::to_string(best.value));
      lead_transferee_ = best;
      election_elapsed_ = 0;
      send_append(best);
    }
    return false;
  }
  if (best != kNoNode) send_timeout_now(best);
  log_event("stepping down: no longer a voter");
  become_follower(term_, kNoNode);
  return true;
}

void Raft::maybe_auto_leave_joint() {
  if (role_ != Role::kLeader || !tracker_.config.auto_leave) return;
  if (log_.applied() < pending_conf_index_) return;
  ConfChange leave;
  if (!propose_conf_change(leave).ok()) {
    log_event("could not propose leaving the joint configuration; will retry");
    return;
  }
  log_event("proposed leaving the joint configuration");
}

}  // namespace chorus::raft
