// Snapshots of the state machine, taken every --snapshot-count applied entries without stopping
// the loop (see snapshot_job.h): serialize it in slices to a writer thread, then record the file
// in the WAL and release the log before it. The raft log keeps the snapshot's metadata only; its
// data is read from the file when a follower needs it.
#include <fmt/format.h>

#include <filesystem>

#include "base/thread_name.h"
#include "convert/errors.h"
#include "node/node.h"
#include "storage/posix_disk.h"
#include "storage/snapshot_file.h"

namespace chorus::node {

namespace {
// 2 MiB every 10 ms: a 300 MiB file goes in about 1.5 s, before the next snapshot of that store
// is written (2.5 s at the writer's pace), and each slice's blocks are freed in well under a
// millisecond. At 8 MiB per slice, puts just after an adoption took up to 6-7 ms (the WAL's
// fdatasync waiting behind the freeing); at 2 MiB, at most 3.6-4.1 ms in the same runs.
constexpr storage::RemovalPace kSnapshotRemovalPace{2ull << 20, std::chrono::milliseconds(10)};
}  // namespace

void Node::maybe_snapshot() {
  if (snapshot_job_) return;
  if (applied_.value < snapshot_index_.value + options_.snapshot_count) return;
  const raft::MemoryStorage& log_storage = store_->log();
  // The snapshot describes exactly the applied state, and the durable log must hold its index.
  if (applied_ > log_storage.last_index()) return;
  raft::SnapshotMetadata metadata;
  metadata.index = applied_;
  metadata.term = log_storage.term(applied_).value();
  metadata.conf_state = conf_state_;
  snapshot_job_.emplace(*state_machine_, metadata, store_->options().snapshot_dir,
                        [this] { post([] {}); });
  snapshot_index_ = applied_;
  snapshot_bytes_at_start_ = bytes_applied_;
  log(fmt::format("snapshot at index {} started", applied_.value));
  // The loop serializes it a slice at a time from now on (drive_snapshot_job).
}

void Node::drive_snapshot_job() {
  if (!snapshot_job_) return;
  snapshot_job_->step();
  poll_snapshot_job();
}

bool Node::snapshot_job_wants_loop() const {
  return snapshot_job_ && snapshot_job_->wants_step();
}

std::future<Node::ExportedSnapshot> Node::export_snapshot() {
  auto promise = std::make_shared<std::promise<ExportedSnapshot>>();
  std::future<ExportedSnapshot> future = promise->get_future();
  const bool queued = enqueue([this, promise] {
    SnapshotExport& started = snapshot_exports_.emplace_back();
    started.stream = std::make_unique<StateMachine::SnapshotStream>(*state_machine_);
    started.done = std::move(*promise);
  });
  if (!queued) promise->set_value({convert::to_grpc(convert::ServerError::kStopped), {}, 0});
  return future;
}

void Node::drive_snapshot_exports() {
  for (auto it = snapshot_exports_.begin(); it != snapshot_exports_.end();) {
    if (!it->stream->next(it->data, kSnapshotSliceBytes)) {
      ++it;
      continue;
    }
    it->stream->count_patch().apply_to(it->data);
    const int64_t revision = it->stream->revision();
    it->stream.reset();
    it->done.set_value({grpc::Status::OK, std::move(it->data), revision});
    it = snapshot_exports_.erase(it);
  }
}

void Node::fail_snapshot_exports(const grpc::Status& status) {
  for (SnapshotExport& failed : snapshot_exports_) {
    failed.stream.reset();
    failed.done.set_value({status, {}, 0});
  }
  snapshot_exports_.clear();
}

void Node::cancel_snapshot_job(const std::string& why) {
  if (!snapshot_job_) return;
  log(fmt::format("snapshot at index {} abandoned: {}", snapshot_job_->metadata().index.value,
                  why));
  snapshot_job_.reset();  // stops its writer, which removes the temporary file
}

void Node::poll_snapshot_job() {
  if (!snapshot_job_) return;
  const std::optional<bool> finished = snapshot_job_->poll();
  if (!finished) return;
  if (!*finished) {
    // A full disk, an fsync error: as with any failed durable write, stop rather than carry on
    // with a log that can no longer be released.
    fatal(fmt::format("cannot write the snapshot for index {}: {}",
                      snapshot_job_->metadata().index.value, snapshot_job_->error()));
  }
  const std::string path = snapshot_job_->path();
  const raft::SnapshotMetadata metadata = snapshot_job_->metadata();
  snapshot_job_.reset();
  adopt_snapshot(metadata, path);
}

void Node::adopt_snapshot(const raft::SnapshotMetadata& metadata, const std::string& path) {
  const raft::Index index = metadata.index;
  if (index <= store_->log().snapshot_metadata().index) {
    // A snapshot from the leader overtook ours. restore() cancels a running job, so this is a
    // guard, not a path taken; retention would remove the file.
    return;
  }
  const uint64_t keep = options_.snapshot_catchup_entries;
  const raft::Index compact_index = index.value > keep ? index - keep : raft::Index{1};
  std::error_code unknown_size;
  const auto size = std::filesystem::file_size(path, unknown_size);
  // Recorded without its data (it went to the file a slice at a time; nothing reads it back):
  // the raft log reads the file if a follower needs it.
  raft::Snapshot snapshot;
  snapshot.metadata = metadata;
  std::string previous_image;
  if (!store_->adopt_snapshot(std::move(snapshot), compact_index,
                              /*remove_old_snapshot_files=*/false, &previous_image)) {
    fatal("cannot record a snapshot: " + store_->last_error());
  }
  // The marker is durable: older snapshot files may go now, off the loop, and the previous
  // image is freed there too (unmapping 300 MiB held the loop for 8-23 ms). A janitor still at
  // work (a large store on a slow disk) is not waited for: that would stall the loop; this
  // adoption's pruning is left to the next one, which removes every file beyond the kept ones.
  if (snapshot_janitor_busy_) {
    log("old snapshot files are still being removed; pruning again at the next snapshot");
  } else {
    if (snapshot_janitor_.joinable()) snapshot_janitor_.join();  // done: returns at once
    snapshot_janitor_busy_ = true;
    snapshot_janitor_ = std::thread([this, dir = store_->options().snapshot_dir,
                                     keep = store_->options().snapshots_kept,
                                     previous_image = std::move(previous_image)]() mutable {
      base::name_this_thread("snapshot-prune");
      std::string().swap(previous_image);
      storage::PosixDisk disk;
      const storage::Status removed = storage::retain_newest_snapshots(
          disk, dir, keep, /*remove_temporaries=*/false, kSnapshotRemovalPace);
      if (!removed.ok()) {
        // Not fatal: the next adoption tries again; a leftover file only takes space.
        post([this, why = removed.to_string()] { log("cannot remove old snapshots: " + why); });
      }
      snapshot_janitor_busy_ = false;
    });
  }
  // What etcd calls the db size: this snapshot plus what was applied since it was taken.
  if (!unknown_size) {
    db_size_ = static_cast<int64_t>(size) + (bytes_applied_ - snapshot_bytes_at_start_);
  }
  log(fmt::format("snapshot at index {} ({} bytes) recorded; log compacted before {}", index.value,
                  unknown_size ? 0 : size, compact_index.value));
}

void Node::install_snapshot_loader() {
  store_->log().set_snapshot_loader([this](const raft::SnapshotMetadata& metadata) {
    // Synchronous, for a caller that does not ask snapshot_ready() first (none on the loop).
    storage::PosixDisk disk;
    auto read = storage::read_snapshot_file(
        disk, storage::snapshot_file_path(store_->options().snapshot_dir, metadata));
    if (!read.ok()) fatal("cannot read the current snapshot back: " + read.status().to_string());
    return std::move(read.value().data);
  });
  store_->log().set_snapshot_prefetcher([this](const raft::SnapshotMetadata& metadata) {
    snapshot_read_wanted_ = metadata;
    start_snapshot_read();
  });
}

void Node::start_snapshot_read() {
  if (snapshot_read_running_ || !snapshot_read_wanted_) return;
  if (snapshot_reader_.joinable()) snapshot_reader_.join();  // done: it posted its result
  const raft::SnapshotMetadata metadata = *snapshot_read_wanted_;
  snapshot_read_wanted_.reset();
  snapshot_read_running_ = true;
  snapshot_reader_ =
      std::thread([this, metadata,
                   path = storage::snapshot_file_path(store_->options().snapshot_dir, metadata)] {
        base::name_this_thread("snapshot-read");
        storage::PosixDisk disk;
        auto read = storage::read_snapshot_file(disk, path);
        storage::Result<std::string> data =
            read.ok() ? storage::Result<std::string>(std::move(read.value().data))
                      : storage::Result<std::string>(read.status());
        // Refused once the node stops: the data is then freed here.
        post([this, metadata, data = std::move(data)]() mutable {
          finish_snapshot_read(metadata, std::move(data));
        });
      });
}

void Node::finish_snapshot_read(const raft::SnapshotMetadata& metadata,
                                storage::Result<std::string> data) {
  snapshot_read_running_ = false;
  const bool current = metadata.index == store_->log().snapshot_metadata().index;
  if (!data.ok() && current) {
    fatal("cannot read the current snapshot back: " + data.status().to_string());
  }
  if (!data.ok()) {
    // A newer snapshot replaced it and retention removed its file meanwhile.
    log("read of replaced snapshot " + std::to_string(metadata.index.value) +
        " abandoned: " + data.status().to_string());
  } else {
    const size_t bytes = data.value().size();
    std::string unused = store_->log().provide_snapshot_data(metadata, std::move(data.value()));
    log(fmt::format("read snapshot at index {} ({} bytes) back from its file for a follower{}",
                    metadata.index.value, bytes,
                    unused.empty() ? "" : "; it was replaced meanwhile"));
  }
  start_snapshot_read();  // one asked for meanwhile
}

}  // namespace chorus::node
