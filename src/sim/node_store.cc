#include "sim/node_store.h"

#include "raft/invariant.h"

namespace chorus::sim {

namespace {
storage::RaftStoreOptions store_options() {
  storage::RaftStoreOptions options;
  options.wal_dir = "/wal";
  options.snapshot_dir = "/snap";
  // Small segments: rotation and release happen within a short simulation.
  options.wal.segment_bytes = 4 << 10;
  return options;
}
}  // namespace

NodeStore::NodeStore(uint64_t seed) : disk_(seed), store_(disk_, store_options()) {}

void NodeStore::bootstrap(const raft::Snapshot& initial, const raft::HardState& hard_state) {
  std::vector<std::string> notes;
  if (auto refused = recover(&notes)) {
    raft::invariant_failed(__FILE__, __LINE__, "a fresh simulated disk does not open: " + *refused);
  }
  CHORUS_INVARIANT(persist(initial, hard_state, {}), "bootstrap failed: " + last_error());
}

void NodeStore::crash(storage::CrashMode mode) {
  store_.close();
  disk_.crash(mode);
}

}  // namespace chorus::sim
