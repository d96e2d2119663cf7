// The whole log as the core sees it: the stable part (LogStorage) followed by the unstable
// tail, plus the commit and apply cursors.
//
// Invariants: applied <= commit <= last_index(); first_index() - 1 <= applied.
#pragma once

#include <optional>
#include <vector>

#include "raft/log_storage.h"
#include "raft/unstable_log.h"

namespace chorus::raft {

class RaftLog {
 public:
  RaftLog(const LogStorage& storage, uint64_t max_apply_bytes);

  Index first_index() const;
  Index last_index() const;
  Term last_term() const;
  // The term at index, or an error if it is compacted or not yet appended.
  Result<Term> term(Index index) const;
  // term(index) if it exists, else Term{0}: for comparisons where a missing entry never
  // matches.
  Term term_or_zero(Index index) const;
  bool match_term(Index index, Term term) const;

  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  // The last index known persisted (entries beyond it are in the unstable tail).
  Index persisted() const { return unstable_.offset().prev(); }

  // Follower side of AppendEntries (Raft paper Figure 2, receiver steps 2-5). Returns the
  // index of the last new entry if (prev_index, prev_term) matched, nullopt otherwise.
  std::optional<Index> maybe_append(Index prev_index, Term prev_term, Index leader_commit,
                                    const std::vector<Entry>& entries);
  // Leader side: appends entries (which must follow the last index). Returns the last index.
  Index append(const std::vector<Entry>& entries);

  // For a rejected append at `index` with the leader's entry term `term`, the largest index
  // <= index whose term is <= term: the leader can skip everything above it (fast
  // backtracking by term, as described at the end of Raft paper §5.3).
  std::pair<Index, Term> find_conflict_by_term(Index index, Term term) const;

  // Raft paper §5.4.1: a candidate's log is at least as up-to-date as ours if its last term
  // is higher, or equal with a last index at least as long.
  bool is_up_to_date(Index last_index, Term last_term) const;

  // Advances commit to `index` if the entry there has `term` (leaders only commit entries of
  // their own term by counting replicas, §5.4.2; the caller passes its current term).
  bool maybe_commit(Index index, Term term);
  void commit_to(Index index);
  void applied_to(Index index);
  void stable_to(Index index, Term term) { unstable_.stable_to(index, term); }
  void stable_snapshot_to(Index index) { unstable_.stable_snapshot_to(index); }
  void restore(Snapshot snapshot);

  // Entries from `low` on, at most max_bytes (at least one if any).
  Result<std::vector<Entry>> entries_from(Index low, uint64_t max_bytes) const;
  Result<std::vector<Entry>> slice(Index low, Index high, uint64_t max_bytes) const;

  // Committed, persisted entries not yet handed to the state machine.
  bool has_next_committed_entries() const;
  std::vector<Entry> next_committed_entries() const;
  const std::vector<Entry>& unstable_entries() const { return unstable_.entries(); }
  const std::optional<Snapshot>& unstable_snapshot() const { return unstable_.snapshot(); }
  // The snapshot to send to a follower: the pending one if any, else the storage's.
  Result<Snapshot> snapshot() const;
  // The newest snapshot (unstable, else the storage's), by reference: no copy of its data.
  const Snapshot& snapshot_ref() const;
  // Whether snapshot_ref() answers without blocking (see LogStorage::snapshot_ready).
  bool snapshot_ready() const;

 private:
  Index find_conflict(const std::vector<Entry>& entries) const;
  Index apply_limit() const;

  const LogStorage& storage_;
  UnstableLog unstable_;
  Index committed_;
  Index applied_;
  uint64_t max_apply_bytes_;
};

}  // namespace chorus::raft
