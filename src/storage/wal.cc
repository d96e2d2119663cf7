// Wal: the write path (save, sync, segment rotation, release). Recovery is in wal_open.cc.
#include "storage/wal.h"

#include <algorithm>

#include "storage/record.h"
#include "storage/segment.h"

namespace chorus::storage {
namespace {

Status invalid(const std::string& what) {
  return Status(Errc::kInvalidArgument, what);
}

uint64_t encoded_bytes(const raft::HardState* hard_state, std::span<const raft::Entry> entries) {
  uint64_t bytes = hard_state != nullptr ? kRecordHeaderBytes + 24 : 0;
  for (const raft::Entry& entry : entries) {
    bytes += kRecordHeaderBytes + kEntryFixedBytes + entry.data.size();
  }
  return bytes;
}

}  // namespace

Wal::Wal(Disk& disk, std::string dir, const WalOptions& options)
    : disk_(disk), dir_(std::move(dir)), options_(options) {}

Wal::~Wal() = default;

Status Wal::check_usable() const {
  if (failed()) return failure_;
  return Status::Ok();
}

Status Wal::fail(Status status) {
  STORAGE_ASSERT(!status.ok());
  if (!failed()) {
    failure_ = Status(Errc::kFailed, "WAL " + dir_ + " stopped after an earlier error (" +
                                         status.to_string() + ")");
  }
  return status;
}

Status Wal::validate_entries(std::span<const raft::Entry> entries) const {
  if (entries.empty()) return Status::Ok();
  const raft::Entry& first = entries.front();
  if (first.index <= marker_.index) {
    return invalid("entry " + std::to_string(first.index.value) + " is inside the snapshot at " +
                   std::to_string(marker_.index.value));
  }
  if (first.index > last_index_.next()) {
    return invalid("entry " + std::to_string(first.index.value) + " leaves a gap after entry " +
                   std::to_string(last_index_.value));
  }
  if (first.index == last_index_.next() && first.term < last_term_) {
    return invalid("entry " + std::to_string(first.index.value) + " has a lower term than entry " +
                   std::to_string(last_index_.value));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].data.size() + kEntryFixedBytes > kMaxRecordPayloadBytes) {
      return invalid("entry " + std::to_string(entries[i].index.value) + " is larger than " +
                     std::to_string(kMaxRecordPayloadBytes) + " bytes");
    }
    if (i == 0) continue;
    if (entries[i].index != entries[i - 1].index.next() || entries[i].term < entries[i - 1].term) {
      return invalid("entries are not contiguous with non-decreasing terms at entry " +
                     std::to_string(entries[i].index.value));
    }
  }
  return Status::Ok();
}

Status Wal::validate_hard_state(const raft::HardState& state, raft::Index last_index) const {
  if (state.term < hard_state_.term || state.commit < hard_state_.commit) {
    return invalid("hard state goes back (term " + std::to_string(state.term.value) + ", commit " +
                   std::to_string(state.commit.value) + ")");
  }
  if (state.commit > last_index) {
    return invalid("hard state commit " + std::to_string(state.commit.value) +
                   " is beyond the last entry " + std::to_string(last_index.value));
  }
  return Status::Ok();
}

Status Wal::save(const raft::HardState* hard_state, std::span<const raft::Entry> entries) {
  CHORUS_STORAGE_TRY(check_usable());
  CHORUS_STORAGE_TRY(validate_entries(entries));
  const raft::Index new_last = entries.empty() ? last_index_ : entries.back().index;
  if (hard_state != nullptr) CHORUS_STORAGE_TRY(validate_hard_state(*hard_state, new_last));
  const uint64_t bytes = encoded_bytes(hard_state, entries);
  if (buffer_.size() + bytes > options_.max_unsynced_bytes) {
    return invalid("batch of " + std::to_string(buffer_.size() + bytes) +
                   " unsynced bytes exceeds max_unsynced_bytes; sync first");
  }

  const size_t before = buffer_.size();
  // Entries before the hard state: a crash keeps a prefix of a batch, so a durable commit index
  // always has its entries durable too.
  for (const raft::Entry& entry : entries) append_entry_record(buffer_, entry);
  if (hard_state != nullptr) append_hard_state_record(buffer_, *hard_state);
  STORAGE_ASSERT(buffer_.size() - before == bytes);

  if (!entries.empty()) {
    last_index_ = entries.back().index;
    last_term_ = entries.back().term;
  }
  if (hard_state != nullptr) hard_state_ = *hard_state;
  return Status::Ok();
}

Status Wal::save_snapshot_marker(const SnapshotMarker& marker) {
  CHORUS_STORAGE_TRY(check_usable());
  if (marker.index < marker_.index) {
    return invalid("snapshot marker " + std::to_string(marker.index.value) + " is older than " +
                   std::to_string(marker_.index.value));
  }
  if (buffer_.size() + kRecordHeaderBytes + 16 > options_.max_unsynced_bytes) {
    return invalid("snapshot marker exceeds max_unsynced_bytes; sync first");
  }
  append_snapshot_marker_record(buffer_, marker);
  marker_ = marker;
  if (marker.index > last_index_) {
    last_index_ = marker.index;
    last_term_ = marker.term;
  }
  return Status::Ok();
}

void Wal::mark_synced() {
  buffer_.clear();
  synced_hard_state_ = hard_state_;
  synced_marker_ = marker_;
  synced_last_index_ = last_index_;
}

Status Wal::sync() {
  CHORUS_STORAGE_TRY(check_usable());
  if (buffer_.empty()) return Status::Ok();
  const bool holds_entries = active_end_ > active_prologue_end_;
  if (holds_entries && active_end_ + buffer_.size() > options_.segment_bytes) {
    CHORUS_STORAGE_TRY(start_segment(buffer_));
  } else {
    Status written = active_file_->write_at(active_end_, buffer_);
    if (written.ok()) written = zero_ahead(*active_file_, active_end_ + buffer_.size());
    if (!written.ok()) return fail(std::move(written));
    Status synced = active_file_->sync_data();
    if (!synced.ok()) return fail(std::move(synced));
    active_end_ += buffer_.size();
  }
  mark_synced();
  return Status::Ok();
}

Status Wal::start_segment(std::span<const uint8_t> batch) {
  const uint64_t sequence = segments_.empty() ? 0 : segments_.back().sequence + 1;
  const SegmentHeader header{sequence, synced_last_index_.next()};
  Bytes bytes;
  bytes.reserve(kRecordHeaderBytes * 3 + 128 + batch.size());
  append_segment_header_record(bytes, header);
  if (synced_marker_.index > raft::Index{}) append_snapshot_marker_record(bytes, synced_marker_);
  if (!synced_hard_state_.empty()) append_hard_state_record(bytes, synced_hard_state_);
  const uint64_t prologue_end = bytes.size();
  bytes.insert(bytes.end(), batch.begin(), batch.end());

  const std::string path = join_path(dir_, segment_file_name(sequence, header.first_index));
  const std::string temporary = path + std::string(kTemporarySuffix);
  Result<std::unique_ptr<File>> created = disk_.open(temporary, OpenMode::kCreateNew);
  if (!created.ok()) return fail(created.status());
  File& file = **created;
  const uint64_t capacity = std::max<uint64_t>(options_.segment_bytes, bytes.size());
  Status status = file.preallocate(capacity);
  if (status.ok()) status = file.write_at(0, bytes);
  if (status.ok()) {
    active_capacity_ = capacity;  // from here on the new segment is the one written
    zeroed_end_ = 0;
    status = zero_ahead(file, bytes.size());
  }
  if (status.ok()) status = file.sync_data();
  if (status.ok()) status = disk_.rename(temporary, path);
  if (status.ok()) status = disk_.sync_dir(dir_);
  if (!status.ok()) return fail(std::move(status));
  // Reopened under its final name so that errors name the right file.
  Result<std::unique_ptr<File>> reopened = disk_.open(path, OpenMode::kOpenExisting);
  if (!reopened.ok()) return fail(reopened.status());

  if (active_file_ != nullptr) {
    // Give the old segment's unused preallocated space back. Not synced: if a crash loses the
    // truncation the zeroes come back, which recovery reads as the end of data.
    Status truncated = active_file_->truncate(active_end_);
    if (!truncated.ok()) return fail(std::move(truncated));
  }
  segments_.push_back({sequence, header.first_index, path});
  active_file_ = std::move(*reopened);
  active_end_ = bytes.size();
  active_prologue_end_ = prologue_end;
  STORAGE_ASSERT(active_end_ >= active_prologue_end_);
  return Status::Ok();
}

Status Wal::zero_ahead(File& file, uint64_t data_end) {
  zeroed_end_ = std::max(zeroed_end_, data_end);
  const uint64_t chunk = options_.zero_ahead_bytes;
  if (chunk == 0 || zeroed_end_ >= active_capacity_ || zeroed_end_ - data_end >= chunk / 4) {
    return Status::Ok();
  }
  const uint64_t target = std::min(active_capacity_, data_end + chunk);
  if (zeroes_.size() < chunk) zeroes_.assign(chunk, 0);
  CHORUS_STORAGE_TRY(file.write_at(zeroed_end_, std::span(zeroes_.data(), target - zeroed_end_)));
  zeroed_end_ = target;
  return Status::Ok();
}

Status Wal::release_before(raft::Index index) {
  CHORUS_STORAGE_TRY(check_usable());
  if (index > synced_marker_.index.next()) {
    return invalid("release_before(" + std::to_string(index.value) +
                   ") is beyond the synced snapshot at " +
                   std::to_string(synced_marker_.index.value));
  }
  // Segment k may go when every entry still live in segments 0..k is below `index`, which
  // holds when segment k+1 started at or below it (SegmentHeader::first_index).
  size_t releasable = 0;
  for (size_t k = 0; k + 1 < segments_.size(); ++k) {
    if (segments_[k + 1].first_index <= index) releasable = k + 1;
  }
  STORAGE_ASSERT(releasable < segments_.size());
  for (size_t k = 0; k < releasable; ++k) {
    // Oldest first, each removal durable before the next: a crash leaves a shorter prefix
    // missing, never a hole in the middle of the sequence.
    CHORUS_STORAGE_TRY(disk_.remove(segments_.front().path));
    segments_.erase(segments_.begin());
    Status synced = disk_.sync_dir(dir_);
    if (!synced.ok()) return fail(std::move(synced));
  }
  return Status::Ok();
}

}  // namespace chorus::storage
