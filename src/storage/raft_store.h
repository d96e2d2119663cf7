// RaftStore: everything a Raft node keeps on disk, behind one object: the WAL (hard state and
// entries), the snapshot files, and the in-memory mirror of both that the core reads
// (raft::MemoryStorage). The server and the simulator use this same class; only the Disk differs.
//
// Order of durability, which recovery relies on:
//   persist():        snapshot file -> snapshot marker in the WAL -> entries and hard state ->
//                     one sync -> only then the mirror changes (the core sees only durable state)
//   save_snapshot():  snapshot file -> marker -> sync -> compact the mirror -> release segments
//                     -> drop old snapshot files
// Not thread-safe: the node loop owns it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raft/log_storage.h"
#include "storage/disk.h"
#include "storage/wal.h"

namespace chorus::storage {

struct RaftStoreOptions {
  std::string wal_dir;
  std::string snapshot_dir;
  WalOptions wal;
  size_t snapshots_kept = 2;
};

class RaftStore {
 public:
  RaftStore(Disk& disk, RaftStoreOptions options);

  // Opens (or reopens, as a restarted process would) what is on disk. Returns a description of
  // damage that recovery refuses; `notes` says what recovery repaired (a torn tail, say).
  std::optional<std::string> recover(std::vector<std::string>* notes);
  // Whether the last recover() found no state at all (a brand-new node).
  bool empty() const;

  // The log as persisted, for the core. Valid after recover().
  raft::MemoryStorage& log() { return *log_; }
  const raft::MemoryStorage& log() const { return *log_; }

  // Persists the durable parts of a Ready with one sync. False when the disk failed: the node
  // must stop (never retry an fsync); last_error() says why. Without `sync` (a Ready that only
  // moves the commit index, see raft::Ready::must_sync) the records are only buffered: the next
  // sync writes them, and a crash before it may lose them.
  bool persist(const std::optional<raft::Snapshot>& snapshot,
               const std::optional<raft::HardState>& hard_state,
               const std::vector<raft::Entry>& entries, bool sync = true);
  // Records a snapshot of the applied state and releases log entries before `compact_index`.
  bool save_snapshot(const raft::Snapshot& snapshot, raft::Index compact_index);
  // The same for a snapshot whose file is already written and synced (by someone else: the
  // server streams it from a thread of its snapshot job): marker, sync, mirror, release, retention.
  // Without `remove_old_snapshot_files` the retention is left to the caller (unlinking a large file
  // takes tens of milliseconds, which the server does off its loop). The previous snapshot's
  // data goes to `*displaced` when given, for the same reason.
  bool adopt_snapshot(raft::Snapshot snapshot, raft::Index compact_index,
                      bool remove_old_snapshot_files = true, std::string* displaced = nullptr);
  const RaftStoreOptions& options() const { return options_; }

  // Forgets the open WAL (the simulator's crash; a process exit does the same).
  void close() { wal_.reset(); }
  const std::string& last_error() const { return last_error_; }

 private:
  bool check(const Status& status, const char* what);

  Disk& disk_;
  RaftStoreOptions options_;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<raft::MemoryStorage> log_;
  std::string last_error_;
};

}  // namespace chorus::storage
