#include "raft/unstable_log.h"

#include "raft/invariant.h"

namespace chorus::raft {

std::optional<Index> UnstableLog::maybe_first_index() const {
  if (snapshot_) return snapshot_->metadata.index.next();
  return std::nullopt;
}

std::optional<Index> UnstableLog::maybe_last_index() const {
  if (!entries_.empty()) return offset_ + (entries_.size() - 1);
  if (snapshot_) return snapshot_->metadata.index;
  return std::nullopt;
}

std::optional<Term> UnstableLog::maybe_term(Index index) const {
  if (index < offset_) {
    if (snapshot_ && snapshot_->metadata.index == index) return snapshot_->metadata.term;
    return std::nullopt;
  }
  auto last = maybe_last_index();
  if (!last || index > *last) return std::nullopt;
  return entries_[distance(offset_, index)].term;
}

void UnstableLog::stable_to(Index index, Term term) {
  auto t = maybe_term(index);
  // Only if the entry is still the one that was persisted: it may have been replaced by a
  // conflicting append from a newer leader since the Ready was handed out.
  if (!t || *t != term || index < offset_) return;
  const size_t count = distance(offset_, index) + 1;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(count));
  offset_ = index.next();
}

void UnstableLog::stable_snapshot_to(Index index) {
  if (snapshot_ && snapshot_->metadata.index == index) snapshot_.reset();
}

void UnstableLog::restore(Snapshot snapshot) {
  offset_ = snapshot.metadata.index.next();
  entries_.clear();
  snapshot_ = std::move(snapshot);
}

void UnstableLog::truncate_and_append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const Index after = entries.front().index;
  if (after == offset_ + entries_.size()) {
    // Plain append.
  } else if (after <= offset_) {
    // Replaces everything unstable; the stable log is truncated by the storage on persist.
    offset_ = after;
    entries_.clear();
  } else {
    entries_.resize(distance(offset_, after));
  }
  entries_.insert(entries_.end(), entries.begin(), entries.end());
}

std::vector<Entry> UnstableLog::slice(Index low, Index high) const {
  CHORUS_INVARIANT(low >= offset_ && low <= high, "unstable slice out of order");
  CHORUS_INVARIANT(distance(offset_, high) <= entries_.size(), "unstable slice beyond the log");
  return std::vector<Entry>(
      entries_.begin() + static_cast<std::ptrdiff_t>(distance(offset_, low)),
      entries_.begin() + static_cast<std::ptrdiff_t>(distance(offset_, high)));
}

}  // namespace chorus::raft
