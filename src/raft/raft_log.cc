#include "raft/raft_log.h"

#include <algorithm>

#include "raft/invariant.h"

namespace chorus::raft {

RaftLog::RaftLog(const LogStorage& storage, uint64_t max_apply_bytes)
    : storage_(storage),
      unstable_(storage.last_index().next()),
      committed_(storage.first_index().prev()),
      applied_(storage.first_index().prev()),
      max_apply_bytes_(max_apply_bytes) {}

Index RaftLog::first_index() const {
  if (auto i = unstable_.maybe_first_index()) return *i;
  return storage_.first_index();
}

Index RaftLog::last_index() const {
  if (auto i = unstable_.maybe_last_index()) return *i;
  return storage_.last_index();
}

Term RaftLog::last_term() const {
  return term_or_zero(last_index());
}

Result<Term> RaftLog::term(Index index) const {
  // The term of first_index()-1 is known (from the snapshot or the dummy entry).
  const Index dummy = first_index().prev();
  if (index < dummy || index > last_index()) {
    return index < dummy ? Error::kCompacted : Error::kUnavailable;
  }
  if (auto t = unstable_.maybe_term(index)) return *t;
  return storage_.term(index);
}

Term RaftLog::term_or_zero(Index index) const {
  auto t = term(index);
  return t ? *t : Term{};
}

bool RaftLog::match_term(Index index, Term term) const {
  auto t = this->term(index);
  return t && *t == term;
}

std::optional<Index> RaftLog::maybe_append(Index prev_index, Term prev_term, Index leader_commit,
                                           const std::vector<Entry>& entries) {
  if (!match_term(prev_index, prev_term)) return std::nullopt;
  const Index last_new = prev_index + entries.size();
  const Index conflict = find_conflict(entries);
  if (conflict != Index{}) {
    // Raft paper Figure 2, AppendEntries receiver step 3: a conflicting entry and all that
    // follow it are deleted. A committed entry can never conflict (Log Matching + Leader
    // Completeness); if it does, the log is corrupt and we must stop, not diverge.
    CHORUS_INVARIANT(conflict > committed_, "entry " + std::to_string(conflict.value) +
                                                " conflicts with a committed entry (commit " +
                                                std::to_string(committed_.value) + ")");
    const size_t skip = distance(prev_index.next(), conflict);
    unstable_.truncate_and_append(
        std::vector<Entry>(entries.begin() + static_cast<std::ptrdiff_t>(skip), entries.end()));
  }
  // Step 5: commitIndex = min(leaderCommit, index of last new entry).
  commit_to(std::min(leader_commit, last_new));
  return last_new;
}

Index RaftLog::append(const std::vector<Entry>& entries) {
  if (entries.empty()) return last_index();
  CHORUS_INVARIANT(entries.front().index > committed_,
                   "a leader append would overwrite committed entries");
  unstable_.truncate_and_append(entries);
  return last_index();
}

Index RaftLog::find_conflict(const std::vector<Entry>& entries) const {
  for (const Entry& entry : entries) {
    if (!match_term(entry.index, entry.term)) return entry.index;
  }
  return Index{};
}

std::pair<Index, Term> RaftLog::find_conflict_by_term(Index index, Term term) const {
  for (;; index = index.prev()) {
    auto t = this->term(index);
    // Unknown (compacted) terms: stop here, the leader will probe from this index.
    if (!t) return {index, Term{}};
    if (*t <= term) return {index, *t};
    if (index == Index{}) return {index, *t};
  }
}

bool RaftLog::is_up_to_date(Index index, Term term) const {
  return term > last_term() || (term == last_term() && index >= last_index());
}

bool RaftLog::maybe_commit(Index index, Term term) {
  if (index > committed_ && term_or_zero(index) == term) {
    commit_to(index);
    return true;
  }
  return false;
}

void RaftLog::commit_to(Index index) {
  if (index <= committed_) return;  // commit never decreases
  CHORUS_INVARIANT(index <= last_index(), "commit " + std::to_string(index.value) +
                                              " is beyond the last index " +
                                              std::to_string(last_index().value));
  committed_ = index;
}

void RaftLog::applied_to(Index index) {
  if (index == Index{}) return;
  CHORUS_INVARIANT(index >= applied_ && index <= committed_,
                   "applied " + std::to_string(index.value) + " outside [" +
                       std::to_string(applied_.value) + ", " + std::to_string(committed_.value) +
                       "]");
  applied_ = index;
}

void RaftLog::restore(Snapshot snapshot) {
  committed_ = snapshot.metadata.index;
  unstable_.restore(std::move(snapshot));
}

Result<std::vector<Entry>> RaftLog::entries_from(Index low, uint64_t max_bytes) const {
  if (low > last_index()) return std::vector<Entry>{};
  return slice(low, last_index().next(), max_bytes);
}

Result<std::vector<Entry>> RaftLog::slice(Index low, Index high, uint64_t max_bytes) const {
  if (low < first_index()) return Error::kCompacted;
  if (high > last_index().next()) return Error::kUnavailable;
  std::vector<Entry> out;
  if (low == high) return out;
  const Index unstable_start = unstable_.offset();
  if (low < unstable_start) {
    auto stored = storage_.entries(low, std::min(high, unstable_start), max_bytes);
    if (!stored) return stored.error();
    out = std::move(stored).value();
    // Stopped early because of max_bytes: do not add unstable entries after a gap.
    if (out.size() < distance(low, std::min(high, unstable_start))) return out;
  }
  if (high > unstable_start) {
    uint64_t bytes = 0;
    for (const Entry& entry : out) bytes += entry.size_bytes();
    for (const Entry& entry : unstable_.slice(std::max(low, unstable_start), high)) {
      bytes += entry.size_bytes();
      if (!out.empty() && bytes > max_bytes) break;
      out.push_back(entry);
    }
  }
  return out;
}

Index RaftLog::apply_limit() const {
  return std::min(committed_, persisted());
}

bool RaftLog::has_next_committed_entries() const {
  // No entries to apply while a snapshot is waiting to be installed.
  return !unstable_.snapshot() && apply_limit() > applied_;
}

std::vector<Entry> RaftLog::next_committed_entries() const {
  if (!has_next_committed_entries()) return {};
  auto entries = slice(applied_.next(), apply_limit().next(), max_apply_bytes_);
  CHORUS_INVARIANT(entries.ok(), "committed entries above " + std::to_string(applied_.value) +
                                     " unavailable: " + to_string(entries.error()));
  return std::move(entries).value();
}

Result<Snapshot> RaftLog::snapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_.snapshot();
}

bool RaftLog::snapshot_ready() const {
  return unstable_.snapshot().has_value() || storage_.snapshot_ready();
}

const Snapshot& RaftLog::snapshot_ref() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_.snapshot_ref();
}

}  // namespace chorus::raft
