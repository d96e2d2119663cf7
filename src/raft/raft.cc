#include "raft/raft.h"

#include <cassert>

#include "raft/bugs.h"
#include "raft/invariant.h"

namespace chorus::raft {

const char* to_string(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "?";
}

Raft::Raft(RaftConfig config)
    : id_(config.id),
      group_(config.group),
      options_(std::move(config)),
      random_(options_.random_seed ^ (options_.id.value * 0x9e3779b97f4a7c15ULL)),
      log_(*options_.storage, options_.max_apply_bytes),
      tracker_(options_.inflight) {
  CHORUS_INVARIANT(id_ != kNoNode, "node id 0 is reserved for 'nobody'");
  CHORUS_INVARIANT(
      options_.heartbeat_ticks > 0 && options_.election_ticks > options_.heartbeat_ticks,
      "election_ticks must be greater than heartbeat_ticks");
  const InitialState initial = options_.storage->initial_state();
  if (auto error = restore_config(initial.conf_state, log_.last_index(), tracker_)) {
    invariant_failed(__FILE__, __LINE__, "bad stored configuration: " + *error);
  }
  if (!initial.hard_state.empty()) {
    CHORUS_INVARIANT(initial.hard_state.commit <= log_.last_index(),
                     "stored commit beyond the stored log");
    term_ = initial.hard_state.term;
    vote_ = initial.hard_state.vote;
    log_.commit_to(initial.hard_state.commit);
  }
  if (options_.applied > log_.applied()) log_.applied_to(options_.applied);
  become_follower(term_, kNoNode);
  previous_hard_state_ = HardState{term_, vote_, log_.committed()};
  previous_soft_state_ = SoftState{lead_, role_};
  log_event("started: " + tracker_.config.to_string() + " term=" + std::to_string(term_.value) +
            " commit=" + std::to_string(log_.committed().value) +
            " applied=" + std::to_string(log_.applied().value) +
            " last=" + std::to_string(log_.last_index().value));
}

void Raft::log_event(const std::string& text) const {
  if (options_.logger) options_.logger(text);
}

// ---- time ----

void Raft::tick() {
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void Raft::tick_election() {
  ++election_elapsed_;
  if (promotable() && past_election_timeout()) {
    election_elapsed_ = 0;
    hup(options_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
  }
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= options_.election_ticks) {
    election_elapsed_ = 0;
    if (options_.check_quorum) {
      Message check;
      check.type = MessageType::kCheckQuorum;
      step_internal(check);
    }
    // A transfer that did not finish within an election timeout is abandoned, so proposals
    // are accepted again.
    if (role_ == Role::kLeader && lead_transferee_ != kNoNode) abort_leader_transfer();
    // A leader that is no longer a voter keeps trying to hand over (hand_over_leadership).
    if (role_ == Role::kLeader && !tracker_.is_voter(id_)) hand_over_leadership();
    // Leaving a joint configuration may have been refused (e.g. during a transfer): retry.
    maybe_auto_leave_joint();
  }
  if (role_ != Role::kLeader) return;
  if (heartbeat_elapsed_ >= options_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    Message beat;
    beat.type = MessageType::kBeat;
    step_internal(beat);
  }
}

bool Raft::past_election_timeout() const {
  return election_elapsed_ >= randomized_election_timeout_;
}

void Raft::reset_randomized_election_timeout() {
  // Raft paper §5.2: randomized timeouts make split votes rare.
  randomized_election_timeout_ =
      options_.election_ticks + static_cast<int>(random_.uniform(options_.election_ticks));
}

bool Raft::promotable() const {
  return tracker_.is_voter(id_) && !log_.unstable_snapshot().has_value();
}

// ---- role transitions ----

void Raft::reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_leader_transfer();
  tracker_.reset_votes();
  const Index last = log_.last_index();
  for (auto& [id, pr] : tracker_.progress) {
    const bool learner = pr.is_learner();
    pr = Progress(last.next(), tracker_.limits(), learner);
    // Our own entries count once they are on our disk.
    if (id == id_) pr.maybe_update(log_.persisted());
  }
  pending_conf_index_ = Index{};
  read_only_.reset();
  reads_waiting_for_commit_.clear();
}

void Raft::become_follower(Term term, NodeId leader) {
  reset(term);
  lead_ = leader;
  role_ = Role::kFollower;
}

void Raft::become_pre_candidate() {
  CHORUS_INVARIANT(role_ != Role::kLeader, "leader cannot become pre-candidate");
  // Pre-vote changes neither term nor vote: losing it must leave no trace.
  tracker_.reset_votes();
  lead_ = kNoNode;
  role_ = Role::kPreCandidate;
  log_event("became pre-candidate at term " + std::to_string(term_.value));
}

void Raft::become_candidate() {
  CHORUS_INVARIANT(role_ != Role::kLeader, "leader cannot become candidate");
  reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
  log_event("became candidate at term " + std::to_string(term_.value));
}

void Raft::become_leader() {
  CHORUS_INVARIANT(role_ == Role::kCandidate, "only a candidate can become leader");
  reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  // Our own progress is always "replicate": we never send ourselves appends.
  if (Progress* self = tracker_.find(id_)) self->become_replicate();
  // Dissertation §6.4: a new leader does not know which of its entries are committed until it
  // commits an entry of its own term, so it appends an empty one at once. No conf change is
  // accepted until that entry is applied (pending_conf_index_).
  Entry empty;
  empty.term = term_;
  empty.index = log_.last_index().next();
  pending_conf_index_ = empty.index;
  append_entries({empty});
  log_event("became leader at term " + std::to_string(term_.value));
}

void Raft::hup(CampaignType type) {
  if (role_ == Role::kLeader) return;
  if (!promotable()) {
    log_event("cannot campaign: not a voter or a snapshot is pending");
    return;
  }
  // Conf changes committed but not applied may remove us; campaigning now could disrupt.
  auto pending = log_.slice(log_.applied().next(), log_.committed().next(), UINT64_MAX);
  if (pending.ok()) {
    for (const Entry& entry : pending.value()) {
      if (entry.type == EntryType::kConfChange) {
        log_event("cannot campaign: conf changes committed but not yet applied");
        return;
      }
    }
  }
  start_campaign(type);
}

void Raft::campaign() {
  Message hup_message;
  hup_message.type = MessageType::kHup;
  step_internal(hup_message);
}

void Raft::start_campaign(CampaignType type) {
  MessageType vote_type;
  Term term;
  if (type == CampaignType::kPreElection) {
    become_pre_candidate();
    vote_type = MessageType::kPreVote;
    // Pre-vote asks about the term we would campaign in, without moving to it.
    term = term_ + 1;
  } else {
    become_candidate();
    vote_type = MessageType::kVote;
    term = term_;
  }
  // Our own vote counts once our term and vote are durable (it goes through the queue of
  // messages to ourselves that advance() delivers).
  Message self_vote;
  self_vote.type =
      vote_type == MessageType::kVote ? MessageType::kVoteResp : MessageType::kPreVoteResp;
  self_vote.to = id_;
  self_vote.term = term;
  send(self_vote);
  std::set<NodeId> electorate = tracker_.config.voters.ids();
  if (bug_active(Bug::kNonVoterVotes)) {
    // Bug (e): learners are asked too (and their answers counted, see tally_votes).
    electorate.insert(tracker_.config.learners.begin(), tracker_.config.learners.end());
  }
  for (NodeId id : electorate) {
    if (id == id_) continue;
    Message request;
    request.type = vote_type;
    request.to = id;
    request.term = term;
    request.index = log_.last_index();
    request.log_term = log_.last_term();
    request.transfer = type == CampaignType::kTransfer;
    send(request);
  }
}

// ---- message plumbing ----

namespace {

// Messages that promise something about durable state: they leave only after the Ready that
// produced them is persisted.
bool needs_persistence(MessageType type) {
  switch (type) {
    case MessageType::kAppResp:
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp:
    case MessageType::kHeartbeatResp:
    case MessageType::kSnapResp:
    case MessageType::kVote:
    case MessageType::kPreVote:
      return true;
    default:
      return false;
  }
}

bool carries_no_term(MessageType type) {
  // Forwarded proposals and read requests are accepted by whichever node is leader, whatever
  // its term; vote traffic sets its own term.
  return type == MessageType::kProp || type == MessageType::kReadIndex;
}

}  // namespace

void Raft::send(Message message) {
  // kTransferLeader carries its target in `from` (etcd-io/raft's convention): a follower that
  // forwards the request to the leader must not replace the target with itself. A forwarded
  // read keeps its requester, so that the answer goes to the node that asked even if the read
  // was forwarded twice (through a node with a stale idea of who leads).
  const bool keeps_from = message.type == MessageType::kTransferLeader ||
                          (message.type == MessageType::kReadIndex && message.from != kNoNode);
  if (!keeps_from) message.from = id_;
  message.group = group_;
  const bool vote_traffic =
      message.type == MessageType::kVote || message.type == MessageType::kPreVote ||
      message.type == MessageType::kVoteResp || message.type == MessageType::kPreVoteResp;
  if (!vote_traffic && !carries_no_term(message.type)) message.term = term_;
  if (vote_traffic) CHORUS_INVARIANT(message.term != Term{}, "vote traffic without a term");
  if (message.to == id_) {
    self_after_persist_.push_back(std::move(message));
    return;
  }
  bool after_persist = needs_persistence(message.type);
  // Bug (c): responses leave before the state they promise is on disk.
  if (bug_active(Bug::kReplyBeforePersist) && message.type != MessageType::kVote &&
      message.type != MessageType::kPreVote) {
    after_persist = false;
  }
  (after_persist ? messages_after_persist_ : messages_).push_back(std::move(message));
}

Status Raft::step(Message message) {
  if (is_local(message.type)) return Error::kStepLocalMessage;
  if (message.group != group_) return Error::kWrongGroup;
  if (is_response(message.type) && !tracker_.is_member(message.from) &&
      message.type != MessageType::kVoteResp && message.type != MessageType::kPreVoteResp) {
    return Error::kStepPeerNotFound;
  }
  return step_internal(std::move(message));
}

Status Raft::propose(std::string data) {
  Message message;
  message.type = MessageType::kProp;
  message.from = id_;
  message.group = group_;
  Entry entry;
  entry.data = std::move(data);
  message.entries.push_back(std::move(entry));
  return step_internal(std::move(message));
}

Status Raft::propose_conf_change(const ConfChange& change) {
  Message message;
  message.type = MessageType::kProp;
  message.from = id_;
  message.group = group_;
  Entry entry;
  entry.type = EntryType::kConfChange;
  entry.data = encode(change);
  message.entries.push_back(std::move(entry));
  return step_internal(std::move(message));
}

Status Raft::read_index(std::string context) {
  Message message;
  message.type = MessageType::kReadIndex;
  message.from = id_;
  message.group = group_;
  message.context = std::move(context);
  return step_internal(std::move(message));
}

void Raft::transfer_leadership(NodeId target) {
  Message message;
  message.type = MessageType::kTransferLeader;
  message.from = target;
  message.group = group_;
  step_internal(std::move(message));
}

void Raft::report_unreachable(NodeId peer) {
  Message message;
  message.type = MessageType::kUnreachable;
  message.from = peer;
  step_internal(std::move(message));
}

void Raft::report_snapshot_failed(NodeId peer) {
  Message message;
  message.type = MessageType::kSnapStatus;
  message.from = peer;
  message.reject = true;
  step_internal(std::move(message));
}

// Handles the term of an incoming message (Raft paper Figure 2, "Rules for all servers").
// Returns false if the message must be dropped.
bool Raft::step_term_check(const Message& m, bool* handled) {
  *handled = false;
  if (m.term == Term{}) return true;  // local or term-less
  if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      // Dissertation §4.2.3: with a live leader (heard from within the minimum election
      // timeout) a vote request is ignored, so a removed or partitioned node cannot depose it.
      const bool in_lease =
          options_.check_quorum && lead_ != kNoNode && election_elapsed_ < options_.election_ticks;
      if (in_lease && !m.transfer) return false;
    }
    if (m.type == MessageType::kPreVote) {
      // A pre-vote never changes our term.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // We move to the new term only when we win the pre-vote.
    } else if (m.type == MessageType::kApp || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnap) {
      become_follower(m.term, m.from);
    } else {
      become_follower(m.term, kNoNode);
    }
    return true;
  }
  if (m.term < term_) {
    if ((options_.check_quorum || options_.pre_vote) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kApp)) {
      // A stale leader learns of the new term, and a node cut off by check-quorum/pre-vote
      // (which never raises its term) can rejoin (see etcd-io/raft's handling of this case).
      Message reply;
      reply.type = MessageType::kAppResp;
      reply.to = m.from;
      send(reply);
    } else if (m.type == MessageType::kPreVote) {
      Message reply;
      reply.type = MessageType::kPreVoteResp;
      reply.to = m.from;
      reply.term = term_;
      reply.reject = true;
      send(reply);
    }
    return false;
  }
  return true;
}

void Raft::handle_vote_request(const Message& m) {
  // We can vote for m.from if we already did (a duplicate), or have voted for nobody and know
  // no leader in this term, or it is a pre-vote for a future term.
  const bool can_vote = vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                        (m.type == MessageType::kPreVote && m.term > term_);
  // Raft paper §5.4.1: "the voter denies its vote if its own log is more up-to-date than that
  // of the candidate."
  const bool log_ok =
      log_.is_up_to_date(m.index, m.log_term) || bug_active(Bug::kVoteWithoutLogCheck);
  Message reply;
  reply.type = m.type == MessageType::kVote ? MessageType::kVoteResp : MessageType::kPreVoteResp;
  reply.to = m.from;
  if (can_vote && log_ok) {
    // The granted reply carries the candidate's term: a pre-vote for term+1 answered with our
    // own term would be ignored as stale.
    reply.term = m.term;
    if (m.type == MessageType::kVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
      log_event("voted for " + std::to_string(m.from.value) + " at term " +
                std::to_string(term_.value));
    }
  } else {
    reply.term = term_;
    reply.reject = true;
  }
  send(reply);
}

Status Raft::step_internal(Message m) {
  bool handled = false;
  if (!step_term_check(m, &handled)) return Status::Ok();
  switch (m.type) {
    case MessageType::kHup:
      hup(options_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
      return Status::Ok();
    case MessageType::kVote:
    case MessageType::kPreVote:
      handle_vote_request(m);
      return Status::Ok();
    default:
      break;
  }
  switch (role_) {
    case Role::kLeader:
      return step_leader(m);
    case Role::kCandidate:
    case Role::kPreCandidate:
      return step_candidate(m);
    case Role::kFollower:
      return step_follower(m);
  }
  return Status::Ok();
}

// ---- Ready ----

bool Raft::has_ready() const {
  if (SoftState{lead_, role_} != previous_soft_state_) return true;
  if (HardState{term_, vote_, log_.committed()} != previous_hard_state_) return true;
  return !log_.unstable_entries().empty() || log_.unstable_snapshot().has_value() ||
         !messages_.empty() || !messages_after_persist_.empty() || !self_after_persist_.empty() ||
         !read_states_.empty() || log_.has_next_committed_entries();
}

Ready Raft::ready() {
  Ready ready;
  const SoftState soft{lead_, role_};
  if (soft != previous_soft_state_) ready.soft_state = soft;
  const HardState hard{term_, vote_, log_.committed()};
  if (hard != previous_hard_state_) {
    ready.hard_state = hard;
    ready.term_or_vote_changed =
        hard.term != previous_hard_state_.term || hard.vote != previous_hard_state_.vote;
  }
  ready.entries = log_.unstable_entries();
  ready.snapshot = log_.unstable_snapshot();
  ready.committed_entries = log_.next_committed_entries();
  ready.messages = std::move(messages_);
  ready.messages_after_persist = std::move(messages_after_persist_);
  ready.read_states = std::move(read_states_);
  messages_.clear();
  messages_after_persist_.clear();
  read_states_.clear();
  // Messages to ourselves queued so far depend on exactly this Ready being persisted; later
  // ones wait for the next Ready.
  self_for_this_ready_ = std::move(self_after_persist_);
  self_after_persist_.clear();
  return ready;
}

void Raft::advance(const Ready& ready) {
  if (ready.soft_state) previous_soft_state_ = *ready.soft_state;
  if (ready.hard_state) previous_hard_state_ = *ready.hard_state;
  if (ready.snapshot) {
    log_.stable_snapshot_to(ready.snapshot->metadata.index);
    // Installing the snapshot applied it.
    if (ready.snapshot->metadata.index > log_.applied()) {
      log_.applied_to(ready.snapshot->metadata.index);
    }
  }
  if (!ready.entries.empty()) {
    log_.stable_to(ready.entries.back().index, ready.entries.back().term);
  }
  if (!ready.committed_entries.empty()) {
    log_.applied_to(ready.committed_entries.back().index);
    maybe_auto_leave_joint();
  }
  // Our own votes and acknowledgements take effect now that their state is durable.
  std::vector<Message> self_messages = std::move(self_for_this_ready_);
  self_for_this_ready_.clear();
  for (Message& message : self_messages) step_internal(std::move(message));
}

RaftStatus Raft::status() const {
  return RaftStatus{id_,
                    term_,
                    vote_,
                    lead_,
                    role_,
                    log_.committed(),
                    log_.applied(),
                    log_.last_index(),
                    tracker_.config,
                    lead_transferee_};
}

}  // namespace chorus::raft
