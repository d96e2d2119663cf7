#include "storage/log_replay.h"

namespace chorus::storage {
namespace {

Status corrupt_at(const std::string& path, uint64_t offset, const std::string& what) {
  return Status(Errc::kCorrupt, path + ": offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

Status LogReplay::on_entry(raft::Entry entry, const std::string& path, uint64_t offset) {
  if (entry.index <= marker_.index) return Status::Ok();  // inside the snapshot already
  if (entries_.empty()) {
    if (entry.index == marker_.index.next() && entry.term < marker_.term) {
      return corrupt_at(path, offset,
                        "entry " + std::to_string(entry.index.value) + " has term " +
                            std::to_string(entry.term.value) + ", below the snapshot's term " +
                            std::to_string(marker_.term.value));
    }
    // The log may begin anywhere here; finish() checks that it begins after the snapshot.
    entries_.push_back(std::move(entry));
    return Status::Ok();
  }
  const raft::Index first = entries_.front().index;
  const raft::Index last = entries_.back().index;
  if (entry.index > last.next()) {
    return corrupt_at(path, offset,
                      "entry " + std::to_string(entry.index.value) + " leaves a gap after entry " +
                          std::to_string(last.value));
  }
  if (entry.index < first) {
    entries_.clear();  // overwrites everything held, from below it
  } else {
    entries_.resize(raft::distance(first, entry.index));
  }
  const raft::Term previous_term = entries_.empty() ? raft::Term{} : entries_.back().term;
  if (entry.term < previous_term) {
    return corrupt_at(path, offset,
                      "entry " + std::to_string(entry.index.value) + " has term " +
                          std::to_string(entry.term.value) + ", below the term " +
                          std::to_string(previous_term.value) + " of the entry before it");
  }
  entries_.push_back(std::move(entry));
  STORAGE_ASSERT(entries_.back().index == entries_.front().index + (entries_.size() - 1));
  return Status::Ok();
}

Status LogReplay::on_hard_state(const raft::HardState& state, const std::string& path,
                                uint64_t offset) {
  if (state.term < hard_state_.term || state.commit < hard_state_.commit) {
    return corrupt_at(path, offset,
                      "hard state (term " + std::to_string(state.term.value) + ", commit " +
                          std::to_string(state.commit.value) + ") goes back from (term " +
                          std::to_string(hard_state_.term.value) + ", commit " +
                          std::to_string(hard_state_.commit.value) + ")");
  }
  hard_state_ = state;
  return Status::Ok();
}

void LogReplay::on_snapshot_marker(const SnapshotMarker& marker) {
  if (marker.index <= marker_.index) return;  // an older copy (segments repeat the marker)
  marker_ = marker;
  if (entries_.empty() || marker.index < entries_.front().index) return;
  const raft::Index last = entries_.back().index;
  if (marker.index > last) {
    entries_.clear();
    return;
  }
  const size_t at = raft::distance(entries_.front().index, marker.index);
  STORAGE_ASSERT(at < entries_.size());
  if (entries_[at].term != marker.term) {
    entries_.clear();
    return;
  }
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(at + 1));
}

Result<RecoveredState> LogReplay::finish(const std::string& dir) && {
  RecoveredState state;
  if (!entries_.empty() && entries_.front().index != marker_.index.next()) {
    return Status(Errc::kCorrupt, dir + ": the log starts at entry " +
                                      std::to_string(entries_.front().index.value) +
                                      " but the snapshot ends at " +
                                      std::to_string(marker_.index.value) +
                                      ": the entries in between are missing (a lost segment?)");
  }
  state.hard_state = hard_state_;
  state.snapshot = marker_;
  state.entries = std::move(entries_);
  if (state.hard_state.commit > state.last_index()) {
    return Status(Errc::kCorrupt,
                  dir + ": hard state commit " + std::to_string(state.hard_state.commit.value) +
                      " is beyond the last durable entry " +
                      std::to_string(state.last_index().value) + " (a lost segment?)");
  }
  return state;
}

}  // namespace chorus::storage
