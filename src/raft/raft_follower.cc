// Followers and candidates: elections from the candidate's side, AppendEntries, heartbeats and
// chunked InstallSnapshot from the follower's side.
#include <algorithm>

#include "raft/invariant.h"
#include "raft/raft.h"

namespace chorus::raft {

Status Raft::step_candidate(Message& m) {
  const MessageType my_response =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kProp:
      return Error::kProposalDropped;
    case MessageType::kApp:
      // Raft paper §5.2: "If the AppendEntries RPC is from a leader whose term is at least as
      // large as the candidate's current term, then the candidate ... returns to follower".
      become_follower(m.term, m.from);
      handle_append(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      become_follower(m.term, m.from);
      handle_snapshot_chunk(m);
      return Status::Ok();
    case MessageType::kReadIndex:
      return Error::kProposalDropped;
    default:
      break;
  }
  if (m.type != my_response) return Status::Ok();
  tracker_.record_vote(m.from, !m.reject);
  size_t granted = 0;
  size_t rejected = 0;
  const VoteResult result = tracker_.tally_votes(&granted, &rejected);
  if (result == VoteResult::kWon) {
    if (role_ == Role::kPreCandidate) {
      start_campaign(CampaignType::kElection);
    } else {
      become_leader();
      broadcast_append();
    }
  } else if (result == VoteResult::kLost) {
    // A rejection may carry a higher term, which step_term_check already moved us to.
    log_event("lost election at term " + std::to_string(term_.value) + " (" +
              std::to_string(granted) + " granted, " + std::to_string(rejected) + " rejected)");
    become_follower(term_, kNoNode);
  }
  return Status::Ok();
}

Status Raft::step_follower(Message& m) {
  switch (m.type) {
    case MessageType::kProp:
      if (lead_ == kNoNode) return Error::kProposalDropped;
      m.to = lead_;
      send(std::move(m));
      return Status::Ok();
    case MessageType::kApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_append(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_heartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_snapshot_chunk(m);
      return Status::Ok();
    case MessageType::kTransferLeader:
      if (lead_ == kNoNode) return Error::kProposalDropped;
      m.to = lead_;
      send(std::move(m));
      return Status::Ok();
    case MessageType::kTimeoutNow:
      // Dissertation §3.10: the transferee starts an election at once, without pre-vote and
      // past the other voters' leader lease.
      log_event("received timeout-now from " + std::to_string(m.from.value));
      if (promotable()) start_campaign(CampaignType::kTransfer);
      return Status::Ok();
    case MessageType::kReadIndex:
      if (lead_ == kNoNode) return Error::kProposalDropped;
      m.to = lead_;
      // Our own read carries the term in which we follow lead_: sent after the read arrived,
      // it vouches for the leader as a heartbeat answer would (see Raft::read_vouched_by).
      // Another member's read, passed on, vouches for nothing.
      m.log_term = m.from == id_ ? term_ : Term{};
      send(std::move(m));
      return Status::Ok();
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

void Raft::handle_append(const Message& m) {
  Message reply;
  reply.type = MessageType::kAppResp;
  reply.to = m.from;
  if (m.index < log_.committed()) {
    // Everything up to our commit index is known to match: acknowledge that much.
    reply.index = log_.committed();
    send(std::move(reply));
    return;
  }
  if (auto last_new = log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    reply.index = *last_new;
    send(std::move(reply));
    return;
  }
  // Raft paper Figure 2, AppendEntries receiver step 2: "Reply false if log doesn't contain an
  // entry at prevLogIndex whose term matches prevLogTerm." The hint lets the leader skip the
  // whole conflicting term.
  const Index hint_index = std::min(m.index, log_.last_index());
  const auto [index, term] = log_.find_conflict_by_term(hint_index, m.log_term);
  reply.index = m.index;
  reply.reject = true;
  reply.reject_hint = index;
  reply.reject_hint_term = term;
  send(std::move(reply));
}

void Raft::handle_heartbeat(const Message& m) {
  // The leader only sends a commit index we are known to hold, but we may have lost unsynced
  // entries in a crash that the leader has not noticed yet; never commit beyond our log.
  log_.commit_to(std::min(m.commit, log_.last_index()));
  Message reply;
  reply.type = MessageType::kHeartbeatResp;
  reply.to = m.from;
  reply.context = m.context;
  send(std::move(reply));
}

void Raft::handle_snapshot_chunk(const Message& m) {
  Message reply;
  reply.type = MessageType::kSnapResp;
  reply.to = m.from;
  reply.snapshot_metadata = m.snapshot_metadata;
  const bool same_transfer = incoming_snapshot_ && incoming_snapshot_->from == m.from &&
                             incoming_snapshot_->term == m.term &&
                             incoming_snapshot_->metadata == m.snapshot_metadata;
  if (m.snapshot_offset == 0 && !same_transfer) {
    incoming_snapshot_ = IncomingSnapshot{m.from, m.term, m.snapshot_metadata, {}};
  } else if (!same_transfer || m.snapshot_offset > incoming_snapshot_->data.size()) {
    // A chunk of a transfer we do not have the start of: ask the leader to start over.
    reply.reject = true;
    incoming_snapshot_.reset();
    send(std::move(reply));
    return;
  }
  IncomingSnapshot& incoming = *incoming_snapshot_;
  // Chunks may be duplicated: append only what is new.
  if (m.snapshot_offset == incoming.data.size()) incoming.data += m.snapshot_chunk;
  const bool complete =
      m.snapshot_done && m.snapshot_offset + m.snapshot_chunk.size() == incoming.data.size();
  if (!complete) {
    reply.snapshot_offset = incoming.data.size();
    send(std::move(reply));
    return;
  }
  Snapshot snapshot{incoming.metadata, std::move(incoming.data)};
  incoming_snapshot_.reset();
  Message ack;
  ack.type = MessageType::kAppResp;
  ack.to = m.from;
  if (restore(snapshot)) {
    log_event("restored snapshot at index " + std::to_string(snapshot.metadata.index.value) +
              " term " + std::to_string(snapshot.metadata.term.value));
    ack.index = log_.last_index();
  } else {
    ack.index = log_.committed();
  }
  send(std::move(ack));
}

bool Raft::restore(const Snapshot& snapshot) {
  const SnapshotMetadata& meta = snapshot.metadata;
  if (meta.index <= log_.committed()) return false;
  if (role_ != Role::kFollower) {
    // Only a follower installs snapshots from a leader of its term.
    become_follower(term_ + 1, kNoNode);
    return false;
  }
  // A snapshot whose configuration does not include us is installed anyway (etcd-io/raft
  // refuses it): a node being added can receive a snapshot taken before its addition, and the
  // entries after the snapshot then make it a member. Until then it cannot campaign.
  if (log_.match_term(meta.index, meta.term)) {
    // We already have the entries: just advance commit (etcd-io/raft does the same).
    log_.commit_to(meta.index);
    return false;
  }
  log_.restore(snapshot);
  tracker_ = ProgressTracker(options_.inflight);
  if (auto error = restore_config(meta.conf_state, log_.last_index(), tracker_)) {
    invariant_failed(__FILE__, __LINE__, "snapshot carries a bad configuration: " + *error);
  }
  return true;
}

}  // namespace chorus::raft
