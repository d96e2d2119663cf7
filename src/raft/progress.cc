#include "raft/progress.h"

#include <algorithm>

#include "raft/invariant.h"

namespace chorus::raft {

const char* to_string(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "?";
}

void Progress::reset_state(ProgressState state) {
  probe_sent_ = false;
  pending_snapshot_ = Index{};
  snapshot_offset_ = 0;
  state_ = state;
  inflights_.reset();
}

void Progress::become_probe() {
  // After a snapshot the follower holds at least the snapshot: probe from just after it.
  if (state_ == ProgressState::kSnapshot) {
    const Index pending = pending_snapshot_;
    reset_state(ProgressState::kProbe);
    next_ = std::max(match_.next(), pending.next());
  } else {
    reset_state(ProgressState::kProbe);
    next_ = match_.next();
  }
}

void Progress::become_replicate() {
  reset_state(ProgressState::kReplicate);
  next_ = match_.next();
}

void Progress::become_snapshot(Index snapshot_index) {
  reset_state(ProgressState::kSnapshot);
  pending_snapshot_ = snapshot_index;
}

bool Progress::maybe_update(Index index) {
  bool updated = false;
  if (match_ < index) {
    match_ = index;
    updated = true;
    probe_sent_ = false;
  }
  next_ = std::max(next_, index.next());
  return updated;
}

void Progress::sent_entries(Index last_index, uint64_t entry_count, uint64_t bytes) {
  switch (state_) {
    case ProgressState::kReplicate:
      if (entry_count > 0) {
        next_ = last_index.next();
        inflights_.add(last_index, bytes);
      }
      break;
    case ProgressState::kProbe:
      probe_sent_ = true;
      break;
    case ProgressState::kSnapshot:
      CHORUS_INVARIANT(false, "entries sent while a snapshot is in flight");
      break;
  }
}

bool Progress::maybe_decrease_to(Index rejected, Index hint) {
  if (state_ == ProgressState::kReplicate) {
    // A rejection at or below match is stale: the follower already acknowledged past it.
    if (rejected <= match_) return false;
    next_ = match_.next();
    return true;
  }
  // Probe (or snapshot) state: only the rejection of the index we last probed counts.
  if (next_.prev() != rejected) return false;
  next_ = std::max(std::min(rejected, hint.next()), match_.next());
  probe_sent_ = false;
  return true;
}

bool Progress::is_paused() const {
  switch (state_) {
    case ProgressState::kProbe:
      return probe_sent_;
    case ProgressState::kReplicate:
      return inflights_.full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

std::string Progress::to_string() const {
  std::string out = raft::to_string(state_);
  out += " match=" + std::to_string(match_.value) + " next=" + std::to_string(next_.value);
  if (is_learner_) out += " learner";
  if (state_ == ProgressState::kSnapshot) {
    out += " snapshot=" + std::to_string(pending_snapshot_.value);
  }
  if (inflights_.count() > 0) out += " inflight=" + std::to_string(inflights_.count());
  return out;
}

}  // namespace chorus::raft
