// What the leader knows about one follower's log (Raft paper Figure 2, "Volatile state on
// leaders": nextIndex[] and matchIndex[]), plus the replication mode that decides how
// aggressively to send.
#pragma once

#include <string>

#include "raft/inflights.h"
#include "raft/types.h"

namespace chorus::raft {

enum class ProgressState : uint8_t {
  // Sending one AppendEntries at a time until the follower's log is found to match.
  kProbe,
  // The log matches: stream entries optimistically, pipelined within the inflight bounds.
  kReplicate,
  // The entries the follower needs are compacted: an InstallSnapshot is in progress.
  kSnapshot,
};

const char* to_string(ProgressState state);

struct ProgressLimits {
  size_t max_inflight_messages = 256;
  uint64_t max_inflight_bytes = 0;
};

class Progress {
 public:
  Progress(Index next, ProgressLimits limits, bool is_learner)
      : next_(next),
        inflights_(limits.max_inflight_messages, limits.max_inflight_bytes),
        is_learner_(is_learner) {}

  // Invariant: match < next.
  Index match() const { return match_; }
  Index next() const { return next_; }
  ProgressState state() const { return state_; }
  bool is_learner() const { return is_learner_; }
  void set_learner(bool learner) { is_learner_ = learner; }
  bool recent_active() const { return recent_active_; }
  void set_recent_active(bool active) { recent_active_ = active; }
  bool probe_sent() const { return probe_sent_; }
  Index pending_snapshot() const { return pending_snapshot_; }
  uint64_t snapshot_offset() const { return snapshot_offset_; }
  Inflights& inflights() { return inflights_; }
  const Inflights& inflights() const { return inflights_; }

  void become_probe();
  void become_replicate();
  void become_snapshot(Index snapshot_index);
  void set_snapshot_offset(uint64_t offset) { snapshot_offset_ = offset; }

  // The follower acknowledged entries up to index. Returns false if that is old news.
  bool maybe_update(Index index);
  // An AppendEntries carrying entries up to last_index (bytes in all) was sent.
  void sent_entries(Index last_index, uint64_t entry_count, uint64_t bytes);
  void sent_probe() { probe_sent_ = true; }
  // The follower rejected an append at `rejected`; `hint` is where to retry from. Returns
  // false if the rejection is stale (from an earlier round).
  bool maybe_decrease_to(Index rejected, Index hint);
  // Whether to hold back new appends: one probe at a time, nothing during a snapshot, and
  // no more than the inflight bounds in replicate mode.
  bool is_paused() const;
  void resume_probe() { probe_sent_ = false; }

  std::string to_string() const;

 private:
  void reset_state(ProgressState state);

  Index match_;
  Index next_;
  ProgressState state_ = ProgressState::kProbe;
  Index pending_snapshot_;        // kSnapshot: index of the snapshot being sent
  uint64_t snapshot_offset_ = 0;  // kSnapshot: bytes of it acknowledged so far
  bool probe_sent_ = false;       // kProbe: a probe is outstanding
  bool recent_active_ = false;    // heard from since the last check-quorum round
  Inflights inflights_;
  bool is_learner_;
};

}  // namespace chorus::raft
