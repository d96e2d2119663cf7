#include "sim/node_store.h"

#include "raft/invariant.h"
#include "storage/snapshot_file.h"

namespace chorus::sim {

namespace {
constexpr const char* kWalDir = "/wal";
constexpr const char* kSnapshotDir = "/snap";
constexpr size_t kSnapshotsKept = 2;

storage::WalOptions wal_options() {
  storage::WalOptions options;
  // Small segments: rotation and release happen within a short simulation.
  options.segment_bytes = 4 << 10;
  return options;
}
}  // namespace

NodeStore::NodeStore(uint64_t seed) : disk_(seed), log_(std::make_unique<raft::MemoryStorage>()) {
  CHORUS_INVARIANT(disk_.create_dir(kWalDir).ok() && disk_.create_dir(kSnapshotDir).ok(),
                   "cannot create the simulated node's directories");
}

bool NodeStore::check(const storage::Status& status, const char* what) {
  if (status.ok()) return true;
  last_error_ = std::string(what) + ": " + status.to_string();
  return false;
}

void NodeStore::bootstrap(const raft::Snapshot& initial, const raft::HardState& hard_state) {
  std::vector<std::string> notes;
  CHORUS_INVARIANT(!recover(&notes), "a fresh simulated disk does not open: " + last_error_);
  CHORUS_INVARIANT(persist(initial, hard_state, {}), "bootstrap failed: " + last_error_);
}

std::optional<std::string> NodeStore::recover(std::vector<std::string>* notes) {
  wal_.reset();
  auto opened = storage::Wal::open(disk_, kWalDir, wal_options());
  if (!opened.ok()) return "WAL recovery refused: " + opened.status().to_string();
  storage::RecoveredState state = std::move(opened.value().state);
  wal_ = std::move(opened.value().wal);
  for (std::string& note : state.recovery_notes) notes->push_back(std::move(note));

  auto loaded = storage::load_newest_snapshot(disk_, kSnapshotDir, state.snapshot.index);
  if (!loaded.ok()) return "snapshot recovery refused: " + loaded.status().to_string();
  for (std::string& note : loaded.value().notes) notes->push_back(std::move(note));

  auto log = std::make_unique<raft::MemoryStorage>();
  const raft::Snapshot& snapshot = loaded.value().snapshot;
  if (!snapshot.empty()) (void)log->apply_snapshot(snapshot);
  std::vector<raft::Entry> entries;
  for (raft::Entry& entry : state.entries) {
    if (entry.index > log->last_index()) entries.push_back(std::move(entry));
  }
  // Entries continue the snapshot without a gap, or the log starts after the snapshot.
  if (!entries.empty() && entries.front().index != log->last_index().next()) {
    return "recovered log starts at " + std::to_string(entries.front().index.value) +
           " but the snapshot ends at " + std::to_string(log->last_index().value);
  }
  log->append(entries);
  log->set_hard_state(state.hard_state);
  log_ = std::move(log);
  return std::nullopt;
}

bool NodeStore::persist(const std::optional<raft::Snapshot>& snapshot,
                        const std::optional<raft::HardState>& hard_state,
                        const std::vector<raft::Entry>& entries) {
  if (snapshot) {
    // The file first, then the marker that lets the WAL drop the entries it covers.
    auto written = storage::write_snapshot_file(disk_, kSnapshotDir, *snapshot);
    if (!written.ok()) return check(written.status(), "write snapshot");
    if (!check(wal_->save_snapshot_marker({snapshot->metadata.index, snapshot->metadata.term}),
               "save snapshot marker")) {
      return false;
    }
  }
  if (!check(wal_->save(hard_state ? &*hard_state : nullptr, entries), "save")) return false;
  if (!check(wal_->sync(), "sync")) return false;
  // Durable: mirror it for the core.
  if (snapshot) (void)log_->apply_snapshot(*snapshot);
  log_->append(entries);
  if (hard_state) log_->set_hard_state(*hard_state);
  if (snapshot) (void)storage::retain_newest_snapshots(disk_, kSnapshotDir, kSnapshotsKept);
  return true;
}

bool NodeStore::save_snapshot(const raft::Snapshot& snapshot, raft::Index compact_index) {
  auto written = storage::write_snapshot_file(disk_, kSnapshotDir, snapshot);
  if (!written.ok()) return check(written.status(), "write snapshot");
  if (!check(wal_->save_snapshot_marker({snapshot.metadata.index, snapshot.metadata.term}),
             "save snapshot marker") ||
      !check(wal_->sync(), "sync snapshot marker")) {
    return false;
  }
  (void)log_->create_snapshot(snapshot.metadata.index, snapshot.metadata.conf_state, snapshot.data);
  if (compact_index > log_->first_index()) {
    (void)log_->compact(compact_index);
    if (!check(wal_->release_before(compact_index), "release WAL segments")) return false;
  }
  return check(storage::retain_newest_snapshots(disk_, kSnapshotDir, kSnapshotsKept),
               "remove old snapshots");
}

void NodeStore::crash(storage::CrashMode mode) {
  wal_.reset();
  disk_.crash(mode);
}

}  // namespace chorus::sim
