#include "raft/log_storage.h"

#include "raft/invariant.h"

namespace chorus::raft {

MemoryStorage::MemoryStorage() {
  log_.push_back(Entry{});
}

InitialState MemoryStorage::initial_state() const {
  return InitialState{hard_state_, snapshot_.metadata.conf_state};
}

Index MemoryStorage::first_index() const {
  return offset().next();
}

Index MemoryStorage::last_index() const {
  return offset() + (log_.size() - 1);
}

Result<Term> MemoryStorage::term(Index index) const {
  if (index < offset()) return Error::kCompacted;
  if (distance(offset(), index) >= log_.size()) return Error::kUnavailable;
  return log_[distance(offset(), index)].term;
}

Result<std::vector<Entry>> MemoryStorage::entries(Index low, Index high, uint64_t max_bytes) const {
  if (low <= offset()) return Error::kCompacted;
  if (high > last_index().next()) return Error::kUnavailable;
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (Index i = low; i < high; ++i) {
    const Entry& entry = log_[distance(offset(), i)];
    bytes += entry.size_bytes();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(entry);
  }
  return out;
}

Result<Snapshot> MemoryStorage::snapshot() const {
  return snapshot_ref();
}

const Snapshot& MemoryStorage::snapshot_ref() const {
  if (data_released_) {
    snapshot_.data = loader_(snapshot_.metadata);
    data_released_ = false;
  }
  return snapshot_;
}

bool MemoryStorage::snapshot_ready() const {
  if (!data_released_ || !prefetcher_) return true;
  if (prefetch_requested_ != snapshot_.metadata.index) {
    prefetch_requested_ = snapshot_.metadata.index;
    prefetcher_(snapshot_.metadata);
  }
  return false;
}

std::string MemoryStorage::provide_snapshot_data(const SnapshotMetadata& metadata,
                                                 std::string data) {
  if (!data_released_ || metadata.index != snapshot_.metadata.index ||
      metadata.term != snapshot_.metadata.term) {
    return data;  // a newer snapshot replaced it, or it was loaded meanwhile
  }
  snapshot_.data = std::move(data);
  data_released_ = false;
  prefetch_requested_ = Index{};  // should it be released again, ask again
  return {};
}

std::string MemoryStorage::release_snapshot_data() {
  if (!loader_ || snapshot_.empty() || data_released_) return {};
  data_released_ = true;
  return std::move(snapshot_.data);
}

void MemoryStorage::append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  Index first = first_index();
  Index last = entries.back().index;
  if (last < first) return;  // all already compacted
  size_t skip = 0;
  if (first > entries.front().index) skip = distance(entries.front().index, first);
  const Index start = entries[skip].index;
  CHORUS_INVARIANT(start <= last_index().next(), "append would leave a gap in the log");
  log_.resize(distance(offset(), start));
  log_.insert(log_.end(), entries.begin() + static_cast<std::ptrdiff_t>(skip), entries.end());
}

Status MemoryStorage::apply_snapshot(const Snapshot& snapshot) {
  return apply_snapshot(Snapshot(snapshot));
}

Status MemoryStorage::apply_snapshot(Snapshot&& snapshot) {
  if (snapshot.metadata.index <= snapshot_.metadata.index) return Error::kSnapshotOutOfDate;
  snapshot_ = std::move(snapshot);
  data_released_ = false;
  log_.assign(1, Entry{snapshot_.metadata.term, snapshot_.metadata.index, EntryType::kNormal, {}});
  return Status::Ok();
}

Status MemoryStorage::apply_snapshot_on_disk(const SnapshotMetadata& metadata) {
  CHORUS_INVARIANT(has_snapshot_loader(), "a snapshot held on disk only needs a loader");
  Snapshot recorded;
  recorded.metadata = metadata;
  Status applied = apply_snapshot(std::move(recorded));
  if (applied.ok()) data_released_ = true;
  return applied;
}

Status MemoryStorage::create_snapshot(Index index, const ConfState& conf_state, std::string data,
                                      std::string* displaced) {
  if (index <= snapshot_.metadata.index) return Error::kSnapshotOutOfDate;
  CHORUS_INVARIANT(index <= last_index() && index >= first_index().prev(),
                   "snapshot index outside the log");
  snapshot_.metadata.index = index;
  snapshot_.metadata.term = log_[distance(offset(), index)].term;
  snapshot_.metadata.conf_state = conf_state;
  if (displaced != nullptr) *displaced = std::move(snapshot_.data);
  snapshot_.data = std::move(data);
  data_released_ = loader_ && snapshot_.data.empty();
  return Status::Ok();
}

Status MemoryStorage::compact(Index compact_index) {
  if (compact_index <= offset()) return Error::kCompacted;
  CHORUS_INVARIANT(compact_index <= last_index(), "compaction beyond the last index");
  const size_t cut = distance(offset(), compact_index);
  Entry dummy{log_[cut].term, log_[cut].index, EntryType::kNormal, {}};
  log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(cut));
  log_[0] = std::move(dummy);
  return Status::Ok();
}

}  // namespace chorus::raft
