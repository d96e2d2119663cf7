// The Raft consensus core: a pure, deterministic state machine.
//
// The driver feeds it ticks (logical time), messages from peers and requests (propose, read
// index, conf change, transfer), then collects a Ready batch, persists what it says, sends its
// messages, applies its committed entries, and calls advance(). The core does no I/O, reads no
// clock, starts no thread, and draws randomness only from a generator seeded by the driver.
//
// The persistence contract lives in Ready: `messages` may be sent at once (the leader's
// replication traffic, whose own append may overlap sending, Raft dissertation §10.2.1);
// `messages_after_persist` may be sent only once `hard_state`, `entries` and `snapshot` are
// durable, because they promise something about that state (a vote, an acknowledged entry).
// The leader counts its own entries towards a quorum only after the driver reports them
// persisted through advance().
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "raft/conf_change.h"
#include "raft/raft_log.h"
#include "raft/random.h"
#include "raft/read_only.h"
#include "raft/tracker.h"

namespace chorus::raft {

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
const char* to_string(Role role);

struct RaftConfig {
  NodeId id;
  GroupId group{1};
  const LogStorage* storage = nullptr;
  // The index the state machine had applied when this core was created (0 on a fresh node;
  // the snapshot index on restart, or more if the state machine is itself durable).
  Index applied;
  // A follower that hears nothing from a leader for a randomized [election_ticks,
  // 2*election_ticks) ticks starts an election. Must be greater than heartbeat_ticks.
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Bytes of entries per AppendEntries message (at least one entry is always sent).
  uint64_t max_message_bytes = 1 << 20;
  ProgressLimits inflight;
  // Bytes of committed entries handed to the state machine per Ready.
  uint64_t max_apply_bytes = 64ULL << 20;
  // Bytes of snapshot data per InstallSnapshot chunk.
  uint64_t snapshot_chunk_bytes = 64 << 10;
  // Pre-vote (dissertation §9.6): a node that was partitioned away asks first whether it could
  // win, so it does not disrupt a healthy leader by raising the term.
  bool pre_vote = true;
  // A leader that has not heard from a quorum within an election timeout steps down; followers
  // that have a live leader ignore vote requests (dissertation §6.2 and §9.6).
  bool check_quorum = true;
  ReadOnlyOption read_only = ReadOnlyOption::kSafe;
  uint64_t random_seed = 0;
  // Receives one human-readable line per notable event (elections, role changes, conf changes).
  std::function<void(const std::string&)> logger;
};

struct SoftState {
  NodeId leader;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

// A linearizable read may be served once the state machine has applied `index`.
struct ReadState {
  Index index;
  std::string context;
};

struct Ready {
  std::optional<SoftState> soft_state;
  // Persist before sending messages_after_persist.
  std::optional<HardState> hard_state;
  std::vector<Entry> entries;
  std::optional<Snapshot> snapshot;
  // May be sent immediately, before or while persisting.
  std::vector<Message> messages;
  std::vector<Message> messages_after_persist;
  // Apply to the state machine (always entries already persisted locally).
  std::vector<Entry> committed_entries;
  std::vector<ReadState> read_states;

  // Set by Raft::ready(): the hard state's term or vote changed. A new commit index alone
  // need not be durable (as in etcd's raft): after a crash a member restarts from an older
  // commit, which is always safe, and learns the newer one from the leader.
  bool term_or_vote_changed = false;

  // Something must be written to the WAL.
  bool must_persist() const { return hard_state.has_value() || !entries.empty() || snapshot; }
  // ... and synced before messages_after_persist leave and before the next Ready. A Ready that
  // only moves the commit index is written without a sync, saving an fdatasync per commit on
  // every member; the next sync makes it durable along with whatever follows.
  bool must_sync() const { return term_or_vote_changed || !entries.empty() || snapshot; }
};

struct RaftStatus {
  NodeId id;
  Term term;
  NodeId vote;
  NodeId leader;
  Role role;
  Index commit;
  Index applied;
  Index last_index;
  Config config;
  NodeId lead_transferee;
};

class Raft {
 public:
  explicit Raft(RaftConfig config);

  // Advances logical time by one tick.
  void tick();
  // Feeds a message received from a peer. Local message types are refused.
  Status step(Message message);
  // Proposes a command. Fails if there is no known leader to send it to.
  Status propose(std::string data);
  Status propose_conf_change(const ConfChange& change);
  // Applies a committed conf change entry (the driver calls it when it applies the entry).
  ConfState apply_conf_change(const ConfChange& change);
  // Requests a read index; the answer comes back as a ReadState with the same context. Fails
  // at once (kProposalDropped) when no leader is known to ask.
  Status read_index(std::string context);
  void transfer_leadership(NodeId target);
  // Campaigns immediately (used by tests and by operators forcing an election).
  void campaign();
  void report_unreachable(NodeId peer);
  void report_snapshot_failed(NodeId peer);

  bool has_ready() const;
  Ready ready();
  // The driver has persisted, sent and applied everything in `ready`.
  void advance(const Ready& ready);

  RaftStatus status() const;
  NodeId id() const { return id_; }
  Term term() const { return term_; }
  Role role() const { return role_; }
  NodeId leader() const { return lead_; }
  const RaftLog& log() const { return log_; }
  const ProgressTracker& tracker() const { return tracker_; }

 private:
  enum class CampaignType : uint8_t { kPreElection, kElection, kTransfer };

  // raft.cc: state transitions and dispatch.
  Status step_internal(Message message);
  bool step_term_check(const Message& message, bool* handled);
  void handle_vote_request(const Message& message);
  void reset(Term term);
  void become_follower(Term term, NodeId leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void hup(CampaignType type);
  void start_campaign(CampaignType type);
  bool promotable() const;
  void reset_randomized_election_timeout();
  bool past_election_timeout() const;
  void tick_election();
  void tick_heartbeat();
  void send(Message message);
  void log_event(const std::string& text) const;

  // raft_leader.cc: the leader's replication and read paths.
  Status step_leader(Message& message);
  void step_leader_append_response(const Message& message, Progress& pr);
  void step_leader_heartbeat_response(const Message& message, Progress& pr);
  void step_leader_snapshot_response(const Message& message, Progress& pr);
  void step_leader_transfer(const Message& message);
  Status leader_propose(Message& message);
  bool append_entries(std::vector<Entry> entries);
  bool maybe_commit();
  bool committed_entry_in_current_term() const;
  void on_first_commit_in_term();
  bool maybe_send_append(NodeId to, bool send_if_empty);
  void send_append(NodeId to) { maybe_send_append(to, true); }
  void send_snapshot_chunk(NodeId to, Progress& pr);
  void send_heartbeat(NodeId to);
  void broadcast_append();
  void broadcast_heartbeat();
  void send_timeout_now(NodeId to);
  void abort_leader_transfer() { lead_transferee_ = kNoNode; }
  void handle_read_index_request(const Message& message);
  // Whether a follower's forwarded read confirms our leadership by itself (no heartbeat round).
  bool read_vouched_by(const Message& message) const;
  void respond_to_read(const std::string& context, NodeId requester, Index index);
  void release_confirmed_reads();

  // raft_follower.cc: followers and candidates.
  Status step_candidate(Message& message);
  Status step_follower(Message& message);
  void handle_append(const Message& message);
  void handle_heartbeat(const Message& message);
  void handle_snapshot_chunk(const Message& message);
  bool restore(const Snapshot& snapshot);

  // raft_config.cc: membership.
  void switch_to_config(ChangeResult result);
  bool hand_over_leadership();
  void maybe_auto_leave_joint();

  NodeId id_;
  GroupId group_;
  RaftConfig options_;
  Random random_;

  // Persistent state (Raft paper Figure 2).
  Term term_;
  NodeId vote_;
  RaftLog log_;

  Role role_ = Role::kFollower;
  NodeId lead_;
  ProgressTracker tracker_;

  // Ticks since the last election timeout (followers: since hearing from the leader;
  // leaders: since the last check-quorum round).
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;

  NodeId lead_transferee_;
  // A conf change may be proposed only when applied >= this index: at most one change is
  // in flight, and a new leader must first apply its own first entry (the errata fix).
  Index pending_conf_index_;

  ReadOnly read_only_;
  // Read requests that arrived before this leader committed an entry of its term (it does not
  // yet know the commit index, dissertation §6.4 step 1).
  std::vector<Message> reads_waiting_for_commit_;
  std::vector<ReadState> read_states_;

  // The InstallSnapshot being received, chunk by chunk.
  struct IncomingSnapshot {
    NodeId from;
    Term term;
    SnapshotMetadata metadata;
    std::string data;
  };
  std::optional<IncomingSnapshot> incoming_snapshot_;

  // Outgoing messages of the next Ready, and messages to ourselves that take effect only once
  // the Ready that produced them is persisted (our own vote, our own append acknowledgement).
  std::vector<Message> messages_;
  std::vector<Message> messages_after_persist_;
  std::vector<Message> self_after_persist_;
  std::vector<Message> self_for_this_ready_;

  SoftState previous_soft_state_;
  HardState previous_hard_state_;
};

}  // namespace chorus::raft
