// Compaction: etcd's store.Compact (server/mvcc/kvstore.go, kvstore_compaction.go), split in a
// logical step that takes effect at once and physical work done in bounded slices.
#include <algorithm>

#include "kv/invariant.h"
#include "kv/store.h"

namespace chorus::kv {

// etcd's updateCompactRev: kCompacted when the revision is not above the last compaction point
// (compacting the same revision twice is an error), kFutureRevision when above the current one.
// Compacting at the current revision is allowed.
Result<CompactResponse> Store::compact(Revision revision) {
  if (revision <= compact_revision_) return Error::kCompacted;
  if (revision > current_revision_) return Error::kFutureRevision;
  compact_revision_ = revision;
  // A compaction still in progress restarts at the new point: keys it already did must be
  // looked at again, since the newer point may drop more of their history.
  compaction_.active = true;
  compaction_.revision = revision;
  compaction_.keys_done = false;
  compaction_.next_key.clear();
  return CompactResponse{current_revision_};
}

bool Store::compact_step(size_t max_keys) {
  if (!compaction_.active) return true;
  if (open_snapshot_streams_ > 0) return false;
  CHORUS_KV_ASSERT(compaction_.revision == compact_revision_);
  const size_t budget = std::max<size_t>(max_keys, 1);

  // Change-log entries below the compaction point are never read again.
  for (size_t n = 0; n < budget && !change_log_.empty(); ++n) {
    if (change_log_.front().revision >= compaction_.revision) break;
    change_log_.pop_front();
  }

  if (!compaction_.keys_done) {
    auto it = index_.lower_bound(compaction_.next_key);
    for (size_t n = 0; n < budget && it != index_.end(); ++n) {
      const size_t dropped = it->second.compact(compaction_.revision);
      CHORUS_KV_ASSERT(dropped <= record_count_);
      record_count_ -= dropped;
      it = it->second.empty() ? index_.erase(it) : std::next(it);
    }
    if (it == index_.end()) {
      compaction_.keys_done = true;
      compaction_.next_key.clear();
    } else {
      compaction_.next_key = it->first;
    }
  }

  const bool log_done = change_log_.empty() || change_log_.front().revision >= compaction_.revision;
  if (compaction_.keys_done && log_done) compaction_.active = false;
  return !compaction_.active;
}

Result<CompactResponse> Store::compact_fully(Revision revision) {
  CHORUS_KV_ASSERT(open_snapshot_streams_ == 0);  // compact_step() would wait for ever
  Result<CompactResponse> response = compact(revision);
  if (!response.ok()) return response;
  constexpr size_t kKeysPerStep = 4096;
  while (!compact_step(kKeysPerStep)) {
  }
  CHORUS_KV_ASSERT(!compaction_pending());
  return response;
}

}  // namespace chorus::kv
