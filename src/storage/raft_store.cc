#include "storage/raft_store.h"

#include <cstdint>

#include "storage/snapshot_file.h"

namespace chorus::storage {

RaftStore::RaftStore(Disk& disk, RaftStoreOptions options)
    : disk_(disk), options_(std::move(options)), log_(std::make_unique<raft::MemoryStorage>()) {}

bool RaftStore::check(const Status& status, const char* what) {
  if (status.ok()) return true;
  last_error_ = std::string(what) + ": " + status.to_string();
  return false;
}

bool RaftStore::empty() const {
  return log_->hard_state().empty() && log_->last_index() == raft::Index{} &&
         log_->snapshot_metadata().index == raft::Index{};
}

std::optional<std::string> RaftStore::recover(std::vector<std::string>* notes) {
  wal_.reset();
  for (const std::string& dir : {options_.wal_dir, options_.snapshot_dir}) {
    if (Status made = disk_.create_dir(dir); !made.ok()) {
      return "cannot create " + dir + ": " + made.to_string();
    }
  }
  auto opened = Wal::open(disk_, options_.wal_dir, options_.wal);
  if (!opened.ok()) return "WAL recovery refused: " + opened.status().to_string();
  RecoveredState state = std::move(opened.value().state);
  wal_ = std::move(opened.value().wal);
  for (std::string& note : state.recovery_notes) notes->push_back(std::move(note));

  auto loaded = load_newest_snapshot(disk_, options_.snapshot_dir, state.snapshot.index);
  if (!loaded.ok()) return "snapshot recovery refused: " + loaded.status().to_string();
  for (std::string& note : loaded.value().notes) notes->push_back(std::move(note));
  // Temporaries a crash left mid-write go now, while no snapshot can be being written; later
  // prunes leave *.tmp alone (a snapshot job may be writing one). No snapshot file is pruned
  // here: the loaded one may not be the newest by name (a corrupt newer one was skipped).
  (void)retain_newest_snapshots(disk_, options_.snapshot_dir, SIZE_MAX,
                                /*remove_temporaries=*/true);

  auto log = std::make_unique<raft::MemoryStorage>();
  raft::Snapshot& snapshot = loaded.value().snapshot;
  if (!snapshot.empty()) (void)log->apply_snapshot(std::move(snapshot));
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

bool RaftStore::persist(const std::optional<raft::Snapshot>& snapshot,
                        const std::optional<raft::HardState>& hard_state,
                        const std::vector<raft::Entry>& entries, bool sync) {
  // Nothing unsynced may stand between a snapshot or entries and their sync.
  sync = sync || snapshot || !entries.empty();
  if (snapshot) {
    // The file first, then the marker that lets the WAL drop the entries it covers.
    auto written = write_snapshot_file(disk_, options_.snapshot_dir, *snapshot);
    if (!written.ok()) return check(written.status(), "write snapshot");
    if (!check(wal_->save_snapshot_marker({snapshot->metadata.index, snapshot->metadata.term}),
               "save snapshot marker")) {
      return false;
    }
  }
  if (!check(wal_->save(hard_state ? &*hard_state : nullptr, entries), "save")) return false;
  // Unsynced records stay in the WAL's buffer: bounded, since every append of entries syncs.
  if (sync && !check(wal_->sync(), "sync")) return false;
  // Durable (or, unsynced, safe to lose): mirror it for the core. With a loader, the image just
  // written stays in its file only: the state machine restores from the Ready's copy, and a copy
  // here would be dropped.
  if (snapshot && log_->has_snapshot_loader()) {
    (void)log_->apply_snapshot_on_disk(snapshot->metadata);
  } else if (snapshot) {
    (void)log_->apply_snapshot(*snapshot);
  }
  log_->append(entries);
  if (hard_state) log_->set_hard_state(*hard_state);
  if (snapshot) {
    (void)retain_newest_snapshots(disk_, options_.snapshot_dir, options_.snapshots_kept,
                                  /*remove_temporaries=*/false);
  }
  return true;
}

bool RaftStore::save_snapshot(const raft::Snapshot& snapshot, raft::Index compact_index) {
  auto written = write_snapshot_file(disk_, options_.snapshot_dir, snapshot);
  if (!written.ok()) return check(written.status(), "write snapshot");
  return adopt_snapshot(snapshot, compact_index);
}

bool RaftStore::adopt_snapshot(raft::Snapshot snapshot, raft::Index compact_index,
                               bool remove_old_snapshot_files, std::string* displaced) {
  if (!check(wal_->save_snapshot_marker({snapshot.metadata.index, snapshot.metadata.term}),
             "save snapshot marker") ||
      !check(wal_->sync(), "sync snapshot marker")) {
    return false;
  }
  const raft::Index index = snapshot.metadata.index;
  const raft::ConfState conf_state = snapshot.metadata.conf_state;
  (void)log_->create_snapshot(index, conf_state, std::move(snapshot.data), displaced);
  if (compact_index > log_->first_index()) {
    (void)log_->compact(compact_index);
    if (!check(wal_->release_before(compact_index), "release WAL segments")) return false;
  }
  if (!remove_old_snapshot_files) return true;
  return check(retain_newest_snapshots(disk_, options_.snapshot_dir, options_.snapshots_kept,
                                       /*remove_temporaries=*/false),
               "remove old snapshots");
}

}  // namespace chorus::storage
