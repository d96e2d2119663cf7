// Taking a snapshot without stopping the node loop, and without fork().
//
// Serializing a million 256-byte keys makes about 300 MiB, and writing and syncing them takes
// seconds. Done at once on the loop, every write would wait that long. Done in a forked child
// (as until November 2026), every write waited for the fork itself, which copies the page
// tables of the whole process: 6-11 ms for a 780 MiB server, and copy-on-write faults after.
//
// So the loop serializes the state machine a slice at a time (StateMachine::SnapshotStream:
// the state as it was when the job started, however many entries are applied between slices),
// and a writer thread of the job writes the slices to the snapshot file
// (storage::SnapshotFileWriter: paced, under a temporary name, fdatasync'ed, renamed, the
// directory fsynced). The queue between them is bounded, so the job never holds more than a few
// megabytes of the image. When the file is complete, the node records the snapshot in the WAL
// and releases older segments; the file is read only if a follower needs it
// (MemoryStorage::set_snapshot_loader).
//
// Everything but the writer thread runs on the loop, and the job must be cancelled (or
// finished) before the state machine is replaced.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "node/state_machine.h"
#include "raft/types.h"

namespace chorus::node {

// Serialized per turn of the loop, by a snapshot job or an export: about 50 us on average (a
// 315 MiB image took 0.27 s of loop time in all), so an entry that arrives during a slice
// hardly waits. 256 KiB slices took about 190 us each; the total is the same either way.
inline constexpr size_t kSnapshotSliceBytes = 64 << 10;

class SnapshotJob {
 public:
  // Starts a snapshot of `state` as it is now, with `metadata`, into `dir`. `wake` is called
  // from the writer thread whenever the loop has something to do for the job (room for more
  // slices, or the file done): the node posts an empty task, which wakes its loop.
  SnapshotJob(const StateMachine& state, raft::SnapshotMetadata metadata, std::string dir,
              std::function<void()> wake);
  SnapshotJob(const SnapshotJob&) = delete;
  SnapshotJob& operator=(const SnapshotJob&) = delete;
  ~SnapshotJob();

  // Whether step() would serialize something now: slices remain and the writer has room.
  bool wants_step() const;
  // Serializes the next slice (well under a millisecond) and queues it for the writer.
  void step();
  // nullopt while the job runs; then whether the file was written (error() says why not).
  std::optional<bool> poll();
  // Stops the writer, which removes its temporary file.
  void cancel();

  const raft::SnapshotMetadata& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }
  // Bytes serialized so far (the whole image once done).
  uint64_t bytes() const { return serialized_; }

 private:
  void write_file();  // the writer thread

  const raft::SnapshotMetadata metadata_;
  const std::string dir_;
  const std::string path_;
  const std::function<void()> wake_;
  std::unique_ptr<StateMachine::SnapshotStream> stream_;  // loop side; reset when done
  std::string pending_;                                   // the slices not yet queued
  uint64_t serialized_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable queued_;
  // Guarded by mutex_:
  std::deque<std::string> queue_;
  uint64_t queued_bytes_ = 0;
  std::optional<kv::SnapshotStream::Patch> patch_;  // set with the last slice
  bool cancelled_ = false;
  std::optional<bool> result_;
  std::string error_;  // read by the loop only after result_ is set

  std::thread writer_;
};

}  // namespace chorus::node
