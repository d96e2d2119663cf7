// The leader: replication, commitment, leadership transfer and linearizable reads.
#include <algorithm>

#include "raft/bugs.h"
#include "raft/invariant.h"
#include "raft/raft.h"

namespace chorus::raft {

Status Raft::step_leader(Message& m) {
  switch (m.type) {
    case MessageType::kBeat:
      broadcast_heartbeat();
      return Status::Ok();
    case MessageType::kCheckQuorum: {
      // Dissertation §6.2: a leader that has not heard from a quorum within an election
      // timeout steps down, so clients stop waiting on it and reads cannot be stale forever.
      if (!tracker_.quorum_active()) {
        log_event("stepped down at term " + std::to_string(term_.value) +
                  ": no quorum heard within an election timeout");
        become_follower(term_, kNoNode);
      }
      for (auto& [id, pr] : tracker_.progress) pr.set_recent_active(id == id_);
      return Status::Ok();
    }
    case MessageType::kProp:
      return leader_propose(m);
    case MessageType::kReadIndex:
      handle_read_index_request(m);
      return Status::Ok();
    case MessageType::kTransferLeader:
      step_leader_transfer(m);
      return Status::Ok();
    default:
      break;
  }
  Progress* pr = tracker_.find(m.from);
  if (pr == nullptr) return Error::kStepPeerNotFound;
  switch (m.type) {
    case MessageType::kAppResp:
      step_leader_append_response(m, *pr);
      break;
    case MessageType::kHeartbeatResp:
      step_leader_heartbeat_response(m, *pr);
      break;
    case MessageType::kSnapResp:
      step_leader_snapshot_response(m, *pr);
      break;
    case MessageType::kSnapStatus:
      if (pr->state() == ProgressState::kSnapshot) {
        // The transfer failed: probe again after the next heartbeat response.
        pr->become_probe();
        pr->sent_probe();
      }
      break;
    case MessageType::kUnreachable:
      // Optimistic streaming to a peer we cannot reach only piles up lost messages.
      if (pr->state() == ProgressState::kReplicate) pr->become_probe();
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status Raft::leader_propose(Message& m) {
  if (m.entries.empty()) return Error::kProposalDropped;
  // A leader removed from the configuration, or handing leadership over, takes no proposals.
  if (!tracker_.is_member(id_) || lead_transferee_ != kNoNode) return Error::kProposalDropped;
  for (size_t i = 0; i < m.entries.size(); ++i) {
    Entry& entry = m.entries[i];
    if (entry.type != EntryType::kConfChange) continue;
    auto change = decode_conf_change(entry.data);
    if (!change) return Error::kProposalDropped;
    const bool joint = tracker_.config.voters.is_joint();
    const bool refused = pending_conf_index_ > log_.applied() ||
                         (joint && !change->leaves_joint()) || (!joint && change->leaves_joint());
    if (refused) {
      log_event("refused conf change " + to_string(*change) + ": another change is pending" +
                " or the configuration is " + (joint ? "joint" : "not joint"));
      return Error::kProposalDropped;
    }
    // No other change is pending, so the current configuration is the one this entry will be
    // applied to: a change that cannot apply to it (removing every voter) is refused here, as
    // once committed it would be an invariant failure on every replica.
    ChangeResult validated;
    if (auto error = Changer(tracker_, log_.last_index()).apply_change(*change, &validated)) {
      log_event("refused conf change " + to_string(*change) + ": " + *error);
      return Error::kProposalDropped;
    }
    pending_conf_index_ = log_.last_index() + (i + 1);
  }
  if (!append_entries(std::move(m.entries))) return Error::kProposalDropped;
  broadcast_append();
  return Status::Ok();
}

bool Raft::append_entries(std::vector<Entry> entries) {
  Index index = log_.last_index();
  for (Entry& entry : entries) {
    ++index;
    entry.term = term_;
    entry.index = index;
  }
  const Index last = log_.append(entries);
  // Our own copy counts towards the quorum once persisted: acknowledge it to ourselves
  // through the after-persist queue.
  Message self_ack;
  self_ack.type = MessageType::kAppResp;
  self_ack.to = id_;
  self_ack.index = last;
  send(self_ack);
  return true;
}

bool Raft::committed_entry_in_current_term() const {
  return log_.term_or_zero(log_.committed()) == term_;
}

bool Raft::maybe_commit() {
  const Index quorum_index = tracker_.committed();
  const bool had_commit_in_term = committed_entry_in_current_term();
  bool changed;
  if (bug_active(Bug::kCommitEarlierTerm)) {
    // Bug (a): commit whatever a quorum holds, whatever its term (Raft paper Figure 8).
    changed = quorum_index > log_.committed() && quorum_index <= log_.last_index();
    if (changed) log_.commit_to(quorum_index);
  } else {
    // Raft paper §5.4.2: "Raft never commits log entries from previous terms by counting
    // replicas. Only log entries from the leader's current term are committed by counting
    // replicas."
    changed = log_.maybe_commit(quorum_index, term_);
  }
  if (changed && !had_commit_in_term && committed_entry_in_current_term()) {
    on_first_commit_in_term();
  }
  return changed;
}

void Raft::on_first_commit_in_term() {
  // Reads that waited for this leader to learn the commit index can proceed.
  std::vector<Message> waiting = std::move(reads_waiting_for_commit_);
  reads_waiting_for_commit_.clear();
  for (const Message& read : waiting) handle_read_index_request(read);
}

void Raft::step_leader_append_response(const Message& m, Progress& pr) {
  pr.set_recent_active(true);
  if (m.reject) {
    // Fast backtracking: skip the follower's whole conflicting term at once.
    Index next_probe = m.reject_hint;
    if (m.reject_hint_term != Term{}) {
      next_probe = log_.find_conflict_by_term(m.reject_hint, m.reject_hint_term).first;
    }
    if (pr.maybe_decrease_to(m.index, next_probe)) {
      if (pr.state() == ProgressState::kReplicate) pr.become_probe();
      send_append(m.from);
    }
    return;
  }
  const bool was_paused = pr.is_paused();
  const bool updated = pr.maybe_update(m.index);
  if (!updated && !(pr.match() == m.index && pr.state() == ProgressState::kProbe)) return;
  switch (pr.state()) {
    case ProgressState::kProbe:
      pr.become_replicate();
      break;
    case ProgressState::kSnapshot:
      // The follower installed the snapshot (or caught up another way): stream from here.
      if (pr.match() >= pr.pending_snapshot() || pr.match().next() >= log_.first_index()) {
        pr.become_probe();
        pr.become_replicate();
      }
      break;
    case ProgressState::kReplicate:
      pr.inflights().free_up_to(m.index);
      break;
  }
  if (m.from == id_) {
    // Our own persistence may complete a quorum.
    if (maybe_commit()) broadcast_append();
    return;
  }
  if (maybe_commit()) {
    broadcast_append();
  } else if (was_paused) {
    send_append(m.from);
  }
  // Pipelining: keep sending while the inflight window allows.
  while (maybe_send_append(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match() == log_.last_index()) {
    log_event("transferee " + std::to_string(m.from.value) + " caught up; sending timeout-now");
    send_timeout_now(m.from);
  }
}

void Raft::step_leader_heartbeat_response(const Message& m, Progress& pr) {
  pr.set_recent_active(true);
  pr.resume_probe();
  // The follower is alive but the window is full: some appends may have been lost. Make room
  // for one more; if the follower lacks what came before, it rejects it and we back up.
  if (pr.state() == ProgressState::kReplicate && pr.inflights().full()) {
    pr.inflights().free_first_one();
  }
  if (pr.state() == ProgressState::kSnapshot) {
    // A lost chunk would stall the transfer: resend from what the follower acknowledged.
    send_snapshot_chunk(m.from, pr);
  } else if (pr.match() < log_.last_index()) {
    send_append(m.from);
  }
  if (options_.read_only != ReadOnlyOption::kSafe || m.context.empty()) return;
  read_only_.ack(m.from, ReadOnly::decode_round(m.context));
  release_confirmed_reads();
}

void Raft::step_leader_snapshot_response(const Message& m, Progress& pr) {
  pr.set_recent_active(true);
  if (pr.state() != ProgressState::kSnapshot) return;
  if (m.reject) {
    log_event("follower " + std::to_string(m.from.value) + " rejected snapshot chunk");
    pr.become_probe();
    pr.sent_probe();
    return;
  }
  if (m.snapshot_metadata.index != pr.pending_snapshot()) return;  // an older transfer
  if (m.snapshot_offset > pr.snapshot_offset()) {
    pr.set_snapshot_offset(m.snapshot_offset);
    send_snapshot_chunk(m.from, pr);
  }
}

void Raft::step_leader_transfer(const Message& m) {
  const NodeId target = m.from;
  Progress* pr = tracker_.find(target);
  if (pr == nullptr || pr->is_learner() || target == id_) {
    log_event("ignored leadership transfer to " + std::to_string(target.value));
    return;
  }
  if (lead_transferee_ == target) return;  // already in progress
  lead_transferee_ = target;
  // The transfer must finish within an election timeout (tick_heartbeat aborts it).
  election_elapsed_ = 0;
  log_event("transferring leadership to " + std::to_string(target.value));
  if (pr->match() == log_.last_index()) {
    send_timeout_now(target);
  } else {
    send_append(target);
  }
}

bool Raft::maybe_send_append(NodeId to, bool send_if_empty) {
  Progress* pr = tracker_.find(to);
  if (pr == nullptr || to == id_ || pr->is_paused()) return false;
  auto prev_term = log_.term(pr->next().prev());
  auto entries = log_.entries_from(pr->next(), options_.max_message_bytes);
  if (!prev_term.ok() || !entries.ok()) {
    // The entries the follower needs are compacted: send a snapshot, but only to a follower
    // we have heard from recently (a dead one would make us read the snapshot for nothing).
    if (!pr->recent_active()) return false;
    // Being read back from its file: the next heartbeat response tries again.
    if (!log_.snapshot_ready()) return false;
    const Snapshot& snapshot = log_.snapshot_ref();
    if (snapshot.empty()) return false;
    log_event("sending snapshot at " + std::to_string(snapshot.metadata.index.value) + " to " +
              std::to_string(to.value) + " (" + pr->to_string() + ")");
    pr->become_snapshot(snapshot.metadata.index);
    send_snapshot_chunk(to, *pr);
    return true;
  }
  if (entries->empty() && !send_if_empty) return false;
  Message message;
  message.type = MessageType::kApp;
  message.to = to;
  message.index = pr->next().prev();
  message.log_term = *prev_term;
  message.commit = log_.committed();
  uint64_t bytes = 0;
  for (const Entry& entry : *entries) bytes += entry.size_bytes();
  const size_t count = entries->size();
  if (count > 0) {
    pr->sent_entries(entries->back().index, count, bytes);
  } else {
    pr->sent_entries(pr->next().prev(), 0, 0);
  }
  message.entries = std::move(entries).value();
  send(std::move(message));
  return true;
}

void Raft::send_snapshot_chunk(NodeId to, Progress& pr) {
  // A newer snapshot replaced the one being sent and is being read back from its file: the next
  // heartbeat response resends from the follower's offset.
  if (!log_.snapshot_ready()) return;
  // By reference: only the chunk is copied, not the whole image once per chunk.
  const Snapshot& snapshot = log_.snapshot_ref();
  if (snapshot.empty()) return;
  if (snapshot.metadata.index != pr.pending_snapshot()) {
    // A newer snapshot replaced the one being sent: start over with it.
    pr.become_snapshot(snapshot.metadata.index);
  }
  const std::string& data = snapshot.data;
  const uint64_t offset = std::min<uint64_t>(pr.snapshot_offset(), data.size());
  const uint64_t length = std::min<uint64_t>(options_.snapshot_chunk_bytes, data.size() - offset);
  Message message;
  message.type = MessageType::kSnap;
  message.to = to;
  message.snapshot_metadata = snapshot.metadata;
  message.snapshot_offset = offset;
  message.snapshot_chunk = data.substr(offset, length);
  message.snapshot_done = offset + length == data.size();
  send(std::move(message));
}

void Raft::send_heartbeat(NodeId to) {
  Progress* pr = tracker_.find(to);
  Message message;
  message.type = MessageType::kHeartbeat;
  message.to = to;
  // Never tell a follower a commit index beyond what it is known to hold: it may not have
  // those entries (or may hold different ones there).
  message.commit = std::min(pr != nullptr ? pr->match() : Index{}, log_.committed());
  message.context = ReadOnly::encode_round(read_only_.round_sent());
  send(std::move(message));
}

void Raft::broadcast_append() {
  for (const auto& [id, pr] : tracker_.progress) {
    if (id != id_) send_append(id);
  }
}

void Raft::broadcast_heartbeat() {
  for (const auto& [id, pr] : tracker_.progress) {
    if (id != id_) send_heartbeat(id);
  }
}

void Raft::send_timeout_now(NodeId to) {
  Message message;
  message.type = MessageType::kTimeoutNow;
  message.to = to;
  send(std::move(message));
}

void Raft::handle_read_index_request(const Message& m) {
  const NodeId requester = m.from == kNoNode ? id_ : m.from;
  if (tracker_.is_singleton() && tracker_.is_voter(id_)) {
    respond_to_read(m.context, requester, log_.committed());
    return;
  }
  if (!committed_entry_in_current_term()) {
    reads_waiting_for_commit_.push_back(m);
    return;
  }
  const bool lease = options_.read_only == ReadOnlyOption::kLeaseBased && options_.check_quorum;
  // Answered from our commit index without a heartbeat round: a lease read (or bug (d), which
  // does the same without the lease's clock assumption and without check-quorum's bound), or a
  // follower's read that itself confirms our leadership.
  if (lease || bug_active(Bug::kReadWithoutReadIndex) || read_vouched_by(m)) {
    respond_to_read(m.context, requester, log_.committed());
    return;
  }
  if (read_only_.add(m.context, requester, log_.committed())) {
    read_only_.start_round();
    broadcast_heartbeat();
  }
}

bool Raft::read_vouched_by(const Message& m) const {
  // A follower's own read, stamped with the term in which it follows us, left the follower
  // after the read arrived there. It shows what a heartbeat answer for a round started after
  // the read shows: at a moment after the read, that follower had not joined a later term, so
  // no later leader could have been elected without it. Together with us, who are still
  // leader of that term now, the pair is a quorum in a three-member cluster, so the commit
  // index we hold now covers every write acknowledged before the read: the round of heartbeats
  // would confirm nothing more. Only the sender can vouch, so a read that another member
  // passed on (log_term 0), or one stamped in an older term, takes the round.
  if (m.from == id_ || m.from == kNoNode || m.log_term != term_) return false;
  return tracker_.config.voters.vote_result({{id_, true}, {m.from, true}}) == VoteResult::kWon;
}

void Raft::respond_to_read(const std::string& context, NodeId requester, Index index) {
  if (requester == id_) {
    read_states_.push_back(ReadState{index, context});
    return;
  }
  Message reply;
  reply.type = MessageType::kReadIndexResp;
  reply.to = requester;
  reply.index = index;
  reply.context = context;
  send(std::move(reply));
}

void Raft::release_confirmed_reads() {
  bool start_next = false;
  for (PendingRead& read : read_only_.release(id_, tracker_.config.voters, &start_next)) {
    respond_to_read(read.context, read.requester, read.index);
  }
  if (start_next) {
    read_only_.start_round();
    broadcast_heartbeat();
  }
}

}  // namespace chorus::raft
