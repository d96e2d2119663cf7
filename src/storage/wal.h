// The segmented write-ahead log: Raft's hard state and entries, and the marker of the newest
// durable snapshot, on a Disk.
//
// Usage, once per Raft Ready:  save(&hard_state, entries) [save_snapshot_marker(m)]  sync()
// and only after sync() returns ok may anything that depends on those records be sent or
// acknowledged ("persist before send"). Group commit is the caller batching many proposals into
// one save()/sync(): sync() issues ONE write and ONE fdatasync for everything saved since the
// previous sync (plus, once per zero_ahead_bytes of log, a second write of zeroes past the
// data; and when a segment fills up, the rename and directory fsync of the next one).
//
// Durability rules this class keeps:
//  - A new segment is written under a temporary name, preallocated, given its header (and the
//    batch that caused it), fdatasync'ed, renamed, and the directory fsynced. So a segment with
//    a final name always has a durable header.
//  - Each new segment begins with a copy of the synced snapshot marker and hard state, so
//    deleting older segments never loses them.
//  - An error from a write or an fsync is fatal: the call returns it and every later call
//    returns kFailed. An fsync is never retried: after a failure the kernel may have dropped
//    the dirty pages, and a retry that succeeds would claim durability for data that is gone.
//
// Not thread-safe: one owner (the node loop) calls it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "raft/types.h"
#include "storage/disk.h"
#include "storage/log_replay.h"
#include "storage/status.h"
#include "storage/wal_codec.h"

namespace chorus::storage {

enum class IfMissing : uint8_t {
  kCreate,  // an empty or missing directory becomes a new, empty WAL
  kFail,    // open() fails with kNotFound: a node that had state must not restart blank
};

struct WalOptions {
  // Each segment is preallocated to this size; a batch that does not fit in the active segment
  // starts a new one (a single batch larger than this gets a segment of its own, grown to fit).
  uint64_t segment_bytes = 64ull << 20;
  // Bound on the bytes saved and not yet synced: save() beyond it fails with kInvalidArgument
  // and saves nothing, so one sync() never writes more than this (plus a segment's prologue).
  uint64_t max_unsynced_bytes = 64ull << 20;
  // How far past the data the active segment's preallocated space is kept written with zeroes
  // (0: never). A preallocated block is "unwritten" until the first write into it (ext4, XFS),
  // and converting it is a metadata change that the fdatasync of that write must also make
  // durable; a batch of a few kilobytes reaches a new block at almost every sync. Writing the
  // zeroes a chunk at a time, ahead of the data, moves that cost to one sync per chunk.
  uint64_t zero_ahead_bytes = 1ull << 20;
  IfMissing if_missing = IfMissing::kCreate;
};

class Wal;

struct OpenedWal {
  std::unique_ptr<Wal> wal;
  RecoveredState state;
};

class Wal {
 public:
  // Recovers the WAL in `dir` (rules in segment.h and log_replay.h), truncates a torn tail,
  // removes temporary files left by a crash, and returns the recovered state with a WAL ready to
  // append after it. Fails with kCorrupt, naming the file and byte offset, on damage that a
  // crash cannot explain; the node must then be wiped and caught up from the leader.
  static Result<OpenedWal> open(Disk& disk, const std::string& dir, const WalOptions& options);

  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends records to the in-memory batch: the entries (contiguous; the first at most one past
  // the last index, above the snapshot; an entry at index i replaces the log from i on), then
  // the hard state if not null. Checks everything first and saves nothing on kInvalidArgument.
  Status save(const raft::HardState* hard_state, std::span<const raft::Entry> entries);
  // Records that a snapshot up to `marker.index` is durable (write the snapshot file first).
  // Markers never go back.
  Status save_snapshot_marker(const SnapshotMarker& marker);
  // Makes everything saved durable: one write and one fdatasync.
  Status sync();
  // Deletes the oldest segments that hold no live entry at or above `index`, oldest first,
  // fsyncing the directory after each removal so a crash never leaves a hole in the sequence.
  // Requires index <= synced snapshot marker + 1. The active segment is never deleted.
  Status release_before(raft::Index index);

  bool failed() const { return !failure_.ok(); }
  // The last index saved, synced or not (the snapshot's when the log is empty).
  raft::Index last_index() const { return last_index_; }
  uint64_t unsynced_bytes() const { return buffer_.size(); }
  size_t segment_count() const { return segments_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  struct Segment {
    uint64_t sequence;
    raft::Index first_index;
    std::string path;
  };
  struct ActiveSegment;

  Wal(Disk& disk, std::string dir, const WalOptions& options);

  Status recover(RecoveredState& state);
  Status remove_temporary_files(const std::vector<std::string>& names, RecoveredState& state);
  Status scan_segments(std::vector<Segment> segments, RecoveredState& state);
  Status validate_entries(std::span<const raft::Entry> entries) const;
  Status validate_hard_state(const raft::HardState& state, raft::Index last_index) const;
  // Writes `batch` after a fresh segment's header and the synced state, then makes it durable.
  Status start_segment(std::span<const uint8_t> batch);
  // Once the data written to `file` (the active segment) reaches `data_end` and comes within a
  // quarter of zero_ahead_bytes of zeroed_end_, writes zeroes from there to zero_ahead_bytes
  // past `data_end` (never past the preallocated size), to be synced with the data. The space
  // already holds zeroes: only the blocks' state changes, so a crash at any point is harmless.
  Status zero_ahead(File& file, uint64_t data_end);
  Status check_usable() const;
  // Records a fatal I/O error and returns it.
  Status fail(Status status);
  void mark_synced();

  Disk& disk_;
  const std::string dir_;
  const WalOptions options_;

  // In sequence order, consecutive; back() is the active one, which appends go to.
  std::vector<Segment> segments_;
  std::unique_ptr<File> active_file_;
  // Offset in the active file just past the last synced record: where the next sync writes.
  uint64_t active_end_ = 0;
  // Offset where the active segment's prologue (header and state copies) ends.
  uint64_t active_prologue_end_ = 0;
  // The active segment's size (preallocated), and how far it is written, data or zeroes.
  uint64_t active_capacity_ = 0;
  uint64_t zeroed_end_ = 0;
  std::vector<uint8_t> zeroes_;  // zero_ahead's source, allocated on first use

  // Records saved since the last successful sync, ready to be written as they are.
  std::vector<uint8_t> buffer_;

  // State including the unsynced buffer: what save() validates against.
  raft::HardState hard_state_;
  SnapshotMarker marker_;
  raft::Index last_index_;
  raft::Term last_term_;  // term of the entry at last_index_ (the marker's when empty)

  // State as of the last successful sync: what a new segment repeats, and what
  // release_before() may rely on.
  raft::HardState synced_hard_state_;
  SnapshotMarker synced_marker_;
  raft::Index synced_last_index_;

  // Not ok once a write or fsync failed; returned by every later call.
  Status failure_;
};

}  // namespace chorus::storage
