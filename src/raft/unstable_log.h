// The tail of the log that the driver has not yet persisted, and an incoming snapshot that it
// has not yet installed. Entries move from here to LogStorage when the driver reports them
// persisted (RaftLog::stable_to).
#pragma once

#include <optional>
#include <vector>

#include "raft/types.h"

namespace chorus::raft {

class UnstableLog {
 public:
  explicit UnstableLog(Index offset) : offset_(offset) {}

  // The first index of `entries()`. Invariant: if a snapshot is pending,
  // offset_ == snapshot.index + 1.
  Index offset() const { return offset_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }

  std::optional<Index> maybe_first_index() const;
  std::optional<Index> maybe_last_index() const;
  std::optional<Term> maybe_term(Index index) const;

  // Entries up to (index, term) are now persisted.
  void stable_to(Index index, Term term);
  // The pending snapshot at `index` is now installed.
  void stable_snapshot_to(Index index);
  void restore(Snapshot snapshot);
  // Appends, replacing any unstable entries at or after the first new index.
  void truncate_and_append(const std::vector<Entry>& entries);
  // Entries in [low, high); the range must lie within the unstable entries.
  std::vector<Entry> slice(Index low, Index high) const;

 private:
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  Index offset_;
};

}  // namespace chorus::raft
