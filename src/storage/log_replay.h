// Rebuilds the durable Raft state from WAL records, in file order. Pure logic: no I/O, so the
// rules below are tested record by record.
//
//  - Entries: an entry at index i replaces the log from i on (a Raft conflict, §5.3: "If an
//    existing entry conflicts with a new one, delete the existing entry and all that follow
//    it"). An entry more than one past the last index is a gap, which no writer produces:
//    corruption. Terms never decrease along the log (§5.3, Log Matching).
//  - Snapshot marker (index S, term T), the largest one wins: entries at or below S are
//    dropped. If the log holds an entry at S with another term, or ends before S, every entry
//    is dropped: they are from a history the snapshot replaced (etcd's raftLog.restore).
//  - Hard state: the last one wins; term and commit never decrease.
//  - At the end the log must start right after the snapshot (S + 1), and the commit index
//    must not exceed the last durable index: otherwise data is missing, e.g. a segment.
#pragma once

#include <string>
#include <vector>

#include "raft/types.h"
#include "storage/status.h"
#include "storage/wal_codec.h"

namespace chorus::storage {

struct RecoveredState {
  raft::HardState hard_state;
  SnapshotMarker snapshot;  // {0, 0} when no snapshot was ever recorded
  // Contiguous; entries.front().index == snapshot.index + 1 when not empty.
  std::vector<raft::Entry> entries;
  // What recovery did that an operator should know (torn tails truncated, temporary files
  // removed). The caller logs them.
  std::vector<std::string> recovery_notes;

  raft::Index last_index() const { return entries.empty() ? snapshot.index : entries.back().index; }
};

class LogReplay {
 public:
  // `path` and `offset` locate the record, for the error message.
  Status on_entry(raft::Entry entry, const std::string& path, uint64_t offset);
  Status on_hard_state(const raft::HardState& state, const std::string& path, uint64_t offset);
  void on_snapshot_marker(const SnapshotMarker& marker);
  // Checks the end-state rules and hands the state over. `dir` names the WAL in errors.
  Result<RecoveredState> finish(const std::string& dir) &&;

 private:
  raft::HardState hard_state_;
  SnapshotMarker marker_;
  std::vector<raft::Entry> entries_;
};

}  // namespace chorus::storage
