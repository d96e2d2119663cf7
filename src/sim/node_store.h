// The durable state of one simulated node, kept the way the server keeps it: the real WAL and
// snapshot files (src/storage/) on a simulated disk that loses unsynced data on a crash, tears
// writes, and fails fsyncs on demand. The core reads a MemoryStorage rebuilt from that disk.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raft/log_storage.h"
#include "storage/sim_disk.h"
#include "storage/wal.h"

namespace chorus::sim {

class NodeStore {
 public:
  explicit NodeStore(uint64_t seed);

  // Writes a founding member's initial snapshot (index 1, term 1) and hard state.
  void bootstrap(const raft::Snapshot& initial, const raft::HardState& hard_state);
  // Recovers from disk (as a restarted process would). Returns an error description when the
  // disk holds damage that recovery refuses; the notes say what recovery repaired.
  std::optional<std::string> recover(std::vector<std::string>* notes);

  // The log as persisted, for the core and the checkers. Valid after recover().
  raft::MemoryStorage& log() { return *log_; }
  const raft::MemoryStorage& log() const { return *log_; }

  // Persists the durable parts of a Ready with one sync. False when the disk failed (a failed
  // fsync must stop the node: the caller crashes it).
  bool persist(const std::optional<raft::Snapshot>& snapshot,
               const std::optional<raft::HardState>& hard_state,
               const std::vector<raft::Entry>& entries);
  // Records a snapshot of the applied state and releases log entries before `compact_index`.
  bool save_snapshot(const raft::Snapshot& snapshot, raft::Index compact_index);

  // Disk faults, armed by the nemesis.
  void crash(storage::CrashMode mode);
  void tear_next_sync() { disk_.crash_on_next_sync(storage::CrashMode::kTornWrite); }
  void fail_next_sync() { disk_.fail_next_syncs(1); }
  const std::string& last_error() const { return last_error_; }

 private:
  bool check(const storage::Status& status, const char* what);

  storage::SimDisk disk_;
  std::unique_ptr<storage::Wal> wal_;
  std::unique_ptr<raft::MemoryStorage> log_;
  std::string last_error_;
};

}  // namespace chorus::sim
