// The stable part of the log as the core sees it: entries already persisted by the driver.
//
// The core only reads through this interface; the driver writes (after persisting a Ready)
// through the concrete class. MemoryStorage is the in-memory mirror that the simulator and
// the server keep of their durable log.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "raft/result.h"
#include "raft/types.h"

namespace chorus::raft {

struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

class LogStorage {
 public:
  virtual ~LogStorage() = default;

  virtual InitialState initial_state() const = 0;
  // Entries in [low, high), at least one if any is in range, then up to max_bytes in total.
  virtual Result<std::vector<Entry>> entries(Index low, Index high, uint64_t max_bytes) const = 0;
  // The term of the entry at index, which must be in [first_index()-1, last_index()].
  virtual Result<Term> term(Index index) const = 0;
  // The first index still held (the one after the latest snapshot / compaction point).
  virtual Index first_index() const = 0;
  virtual Index last_index() const = 0;
  virtual Result<Snapshot> snapshot() const = 0;
  // The same without the copy: a leader sends a snapshot in chunks, and copying the whole image
  // for every chunk made sending a 300 MiB snapshot cost ~300 x 300 MiB of copying on the loop.
  virtual const Snapshot& snapshot_ref() const = 0;
  // Whether snapshot_ref() can answer without blocking the caller. False while the data is
  // being read back from disk in the background; the leader then tries again on the next
  // heartbeat response instead of stalling its loop on a read of hundreds of megabytes.
  virtual bool snapshot_ready() const { return true; }
};

// Thread-compatible, not thread-safe: the owner serialises access.
class MemoryStorage final : public LogStorage {
 public:
  MemoryStorage();

  InitialState initial_state() const override;
  Result<std::vector<Entry>> entries(Index low, Index high, uint64_t max_bytes) const override;
  Result<Term> term(Index index) const override;
  Index first_index() const override;
  Index last_index() const override;
  Result<Snapshot> snapshot() const override;

  void set_hard_state(const HardState& hard_state) { hard_state_ = hard_state; }
  const HardState& hard_state() const { return hard_state_; }
  // Appends entries; an entry at an index already held replaces it and everything after
  // (the follower's conflict rule, Raft paper Figure 2, AppendEntries step 3).
  void append(const std::vector<Entry>& entries);
  // Replaces the whole log with a snapshot received from the leader.
  Status apply_snapshot(const Snapshot& snapshot);
  // The same, taking the snapshot's data without a copy (a restart's snapshot may be large).
  Status apply_snapshot(Snapshot&& snapshot);
  // The same for a snapshot whose data is already in its file: recorded as released, so that
  // the image is not held in memory a second time (requires a loader, see below).
  Status apply_snapshot_on_disk(const SnapshotMetadata& metadata);
  // The current snapshot, without the copy that snapshot() makes. Reads released data back
  // first (see set_snapshot_loader).
  const Snapshot& snapshot_ref() const override;
  // The current snapshot's metadata: never reads released data back.
  const SnapshotMetadata& snapshot_metadata() const { return snapshot_.metadata; }

  // Where the current snapshot's data can be read again: the server's snapshot file. With a
  // loader set, release_snapshot_data() drops the in-memory copy (hundreds of megabytes for a
  // large store, otherwise held all the time the snapshot is current in case a follower needs
  // it), and snapshot_ref()/snapshot() read it back on first use. The loader must return the
  // data of exactly the snapshot it is given, or not return (the data is durable state). Without
  // a loader (the simulator) the data is always held.
  using SnapshotLoader = std::function<std::string(const SnapshotMetadata&)>;
  void set_snapshot_loader(SnapshotLoader loader) { loader_ = std::move(loader); }
  bool has_snapshot_loader() const { return static_cast<bool>(loader_); }
  // Optional, with a loader: where released data is read back without blocking. snapshot_ready()
  // asks it (once per snapshot) to start reading, and answers false until the data arrives
  // through provide_snapshot_data(). Without one, snapshot_ref() reads through the loader.
  using SnapshotPrefetcher = std::function<void(const SnapshotMetadata&)>;
  void set_snapshot_prefetcher(SnapshotPrefetcher prefetcher) {
    prefetcher_ = std::move(prefetcher);
  }
  bool snapshot_ready() const override;
  // The data a prefetch read, for the snapshot `metadata` describes. Held if that is still the
  // current snapshot and its data is released; otherwise handed back, so that the caller can
  // free it where a pause does not matter.
  std::string provide_snapshot_data(const SnapshotMetadata& metadata, std::string data);
  // Drops the in-memory data (when a loader is set) and returns it, so that the caller can free
  // it where a pause does not matter.
  std::string release_snapshot_data();
  bool snapshot_data_held() const { return !data_released_; }
  // Records a snapshot of the state machine at `index` (which must be applied). Returns nothing
  // but the outcome: the snapshot may be hundreds of megabytes (read it with snapshot_ref()).
  // The previous snapshot's data is moved into `*displaced` when given, so that the caller can
  // free it where a pause does not matter (freeing 300 MiB takes tens of milliseconds).
  // Empty `data` with a loader set records a snapshot whose data is on disk only (released).
  Status create_snapshot(Index index, const ConfState& conf_state, std::string data,
                         std::string* displaced = nullptr);
  // Discards entries before `compact_index`; compact_index must be <= the last applied index.
  Status compact(Index compact_index);

 private:
  Index offset() const { return log_.front().index; }

  HardState hard_state_;
  // Mutable: a released snapshot's data is read back by the const snapshot_ref().
  mutable Snapshot snapshot_;
  mutable bool data_released_ = false;
  SnapshotLoader loader_;
  SnapshotPrefetcher prefetcher_;
  // The snapshot index a prefetch was last asked for (one request per snapshot).
  mutable Index prefetch_requested_;
  // log_[0] is a dummy entry holding the index and term of the last compacted entry;
  // log_[i] holds index offset()+i.
  std::vector<Entry> log_;
};

}  // namespace chorus::raft
