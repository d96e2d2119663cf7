// Taking a snapshot without stopping the node loop.
//
// Serializing the whole MVCC store takes about 0.8 s per million 256-byte keys, and writing and
// syncing the file as long again: done on the loop, every write would wait that long at every
// snapshot. So the loop fork()s, and the child process, which holds a copy-on-write image of the
// state machine exactly as applied at that index, serializes it, writes the snapshot file (to a
// temporary name, fsynced, renamed, directory fsynced: storage/snapshot_file.h) and exits. The
// parent goes on applying entries; the kernel copies only the pages it changes meanwhile. When
// the child has exited, the node records the snapshot in the WAL and releases older segments;
// the file is read only if a follower needs the snapshot (MemoryStorage::set_snapshot_loader).
//
// The child touches nothing but memory and the snapshot directory: no gRPC, no locks of other
// threads (fork copies only the calling thread; glibc's malloc is fork-safe), and it dies with
// its parent (PR_SET_PDEATHSIG), so a killed node never leaves a writer behind.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "node/state_machine.h"
#include "raft/types.h"

namespace chorus::node {

class SnapshotJob {
 public:
  // Forks the child that writes the snapshot of `state` with `metadata` into `dir`. nullopt
  // (and `*error`) when fork fails.
  static std::optional<SnapshotJob> start(const StateMachine& state,
                                          const raft::SnapshotMetadata& metadata,
                                          const std::string& dir, std::string* error);

  // Non-blocking: nullopt while the child runs; then whether it wrote the file.
  std::optional<bool> poll();
  // Stops the child (if it runs) and reaps it.
  void cancel();

  const raft::SnapshotMetadata& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }

 private:
  SnapshotJob(pid_t pid, raft::SnapshotMetadata metadata, std::string path)
      : pid_(pid), metadata_(std::move(metadata)), path_(std::move(path)) {}

  pid_t pid_;
  raft::SnapshotMetadata metadata_;
  std::string path_;
};

}  // namespace chorus::node
