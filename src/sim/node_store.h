// The durable state of one simulated node, kept exactly the way the server keeps it
// (storage::RaftStore: the real WAL and snapshot files) on a simulated disk that loses unsynced
// data on a crash, tears writes, and fails fsyncs on demand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "raft/log_storage.h"
#include "storage/raft_store.h"
#include "storage/sim_disk.h"

namespace chorus::sim {

class NodeStore {
 public:
  explicit NodeStore(uint64_t seed);

  // Writes a founding member's initial snapshot (index 1, term 1) and hard state.
  void bootstrap(const raft::Snapshot& initial, const raft::HardState& hard_state);
  std::optional<std::string> recover(std::vector<std::string>* notes) {
    return store_.recover(notes);
  }

  raft::MemoryStorage& log() { return store_.log(); }
  const raft::MemoryStorage& log() const { return store_.log(); }

  bool persist(const std::optional<raft::Snapshot>& snapshot,
               const std::optional<raft::HardState>& hard_state,
               const std::vector<raft::Entry>& entries, bool sync = true) {
    return store_.persist(snapshot, hard_state, entries, sync);
  }
  bool save_snapshot(const raft::Snapshot& snapshot, raft::Index compact_index) {
    return store_.save_snapshot(snapshot, compact_index);
  }

  // Disk faults, armed by the nemesis.
  void crash(storage::CrashMode mode);
  void tear_next_sync() { disk_.crash_on_next_sync(storage::CrashMode::kTornWrite); }
  void fail_next_sync() { disk_.fail_next_syncs(1); }
  const std::string& last_error() const { return store_.last_error(); }

 private:
  storage::SimDisk disk_;
  storage::RaftStore store_;
};

}  // namespace chorus::sim
