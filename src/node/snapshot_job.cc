#include "node/snapshot_job.h"

#include "base/thread_name.h"
#include "storage/posix_disk.h"
#include "storage/snapshot_file.h"

namespace chorus::node {

namespace {
// The writer's pace: a 300 MiB image takes about 2.5 s, and the WAL's fdatasyncs are not queued
// behind a burst of snapshot writeback (storage/snapshot_file.h).
constexpr uint64_t kMaxSnapshotWriteBytesPerSecond = 128ull << 20;
// Handed to the writer at a time: one write and one writeback hint each.
constexpr size_t kChunkBytes = 1 << 20;
// How far the loop may serialize ahead of the writer: the memory the job holds.
constexpr uint64_t kMaxQueuedBytes = 8ull << 20;
}  // namespace

SnapshotJob::SnapshotJob(const StateMachine& state, raft::SnapshotMetadata metadata,
                         std::string dir, std::function<void()> wake)
    : metadata_(std::move(metadata)),
      dir_(std::move(dir)),
      path_(storage::snapshot_file_path(dir_, metadata_)),
      wake_(std::move(wake)),
      stream_(std::make_unique<StateMachine::SnapshotStream>(state)) {
  writer_ = std::thread([this] { write_file(); });
}

SnapshotJob::~SnapshotJob() {
  cancel();
}

bool SnapshotJob::wants_step() const {
  if (!stream_) return false;
  std::lock_guard lock(mutex_);
  return !result_ && queued_bytes_ < kMaxQueuedBytes;
}

void SnapshotJob::step() {
  if (!wants_step()) return;
  const size_t before = pending_.size();
  const bool done = stream_->next(pending_, kSnapshotSliceBytes);
  serialized_ += pending_.size() - before;
  if (!done && pending_.size() < kChunkBytes) return;
  {
    std::lock_guard lock(mutex_);
    queued_bytes_ += pending_.size();
    queue_.push_back(std::move(pending_));
    if (done) patch_ = stream_->count_patch();
  }
  queued_.notify_one();
  pending_ = std::string();
  // Done serializing: closing the stream lets the store's physical compaction go on.
  if (done) stream_.reset();
}

void SnapshotJob::write_file() {
  base::name_this_thread("snapshot-write");
  auto finish = [this](bool ok, std::string error) {
    {
      std::lock_guard lock(mutex_);
      result_ = ok;
      error_ = std::move(error);
    }
    wake_();
  };
  storage::PosixDisk disk;
  storage::Result<storage::SnapshotFileWriter> file =
      storage::SnapshotFileWriter::create(disk, dir_, metadata_, kMaxSnapshotWriteBytesPerSecond);
  if (!file.ok()) return finish(false, file.status().to_string());
  while (true) {
    std::string chunk;
    std::optional<kv::SnapshotStream::Patch> patch;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return cancelled_ || !queue_.empty() || patch_; });
      if (cancelled_) return;  // `file` removes its temporary
      if (!queue_.empty()) {
        chunk = std::move(queue_.front());
        queue_.pop_front();
      } else {
        patch = patch_;  // everything is queued, and the queue is empty: all written
      }
    }
    if (!patch) {
      const storage::Status written = file->append(storage::as_bytes(chunk));
      {
        std::lock_guard lock(mutex_);
        queued_bytes_ -= chunk.size();
      }
      if (!written.ok()) return finish(false, written.to_string());
      wake_();  // room for the loop's next slices
      continue;
    }
    const storage::Status patched = file->patch(patch->offset, storage::as_bytes(patch->bytes));
    if (!patched.ok()) return finish(false, patched.to_string());
    storage::Result<std::string> finished = file->finish();
    return finish(finished.ok(), finished.ok() ? "" : finished.status().to_string());
  }
}

std::optional<bool> SnapshotJob::poll() {
  {
    std::lock_guard lock(mutex_);
    if (!result_) return std::nullopt;
  }
  if (writer_.joinable()) writer_.join();
  return result_;
}

void SnapshotJob::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  queued_.notify_all();
  if (writer_.joinable()) writer_.join();
  stream_.reset();
}

}  // namespace chorus::node
