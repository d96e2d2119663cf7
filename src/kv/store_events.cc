// Historical events for watch catch-up: etcd's watchableStore.syncWatchers reads every change
// from the watcher's start revision out of the backend and keeps those in the watcher's range.
#include <algorithm>

#include "kv/invariant.h"
#include "kv/store.h"

namespace chorus::kv {

namespace {

bool in_range(const std::string& key, const std::string& begin, const std::string& end) {
  if (end.empty()) return key == begin;
  if (key < begin) return false;
  if (end.size() == 1 && end[0] == '\0') return true;
  return key < end;
}

}  // namespace

Result<EventBatch> Store::events_since(const EventQuery& query) const {
  const Revision start = query.start_revision <= 0 ? current_revision_ + 1 : query.start_revision;
  // etcd's chooseAll: a watcher whose start is below the compaction point is compacted; one
  // that starts exactly at it is served.
  if (start < compact_revision_) return Error::kCompacted;
  const size_t max_events = std::max<size_t>(query.max_events, 1);

  EventBatch batch;
  batch.next_revision = current_revision_ + 1;
  if (start > current_revision_) {
    batch.next_revision = start;
    return batch;
  }

  // Adds the record's event unless the batch is full at a revision boundary; returns false when
  // the batch stops (next_revision set to the first revision not returned).
  Revision last_added = 0;
  auto add = [&](const std::string& key, const KeyHistory& history, const Record& record) {
    if (batch.events.size() >= max_events && record.revision != last_added) {
      batch.next_revision = record.revision;
      return false;
    }
    if (!in_logical_history(history, record)) return true;
    batch.events.push_back(make_event(key, history, record, query.prev_kv));
    last_added = record.revision;
    return true;
  };

  if (query.range_end.empty()) {
    // One key: its own history is the shortest path.
    auto it = index_.find(query.key);
    if (it == index_.end()) return batch;
    const std::vector<Record>& records = it->second.records();
    auto first = std::lower_bound(records.begin(), records.end(), start,
                                  [](const Record& r, Revision rev) { return r.revision < rev; });
    for (auto record = first; record != records.end(); ++record) {
      if (!add(it->first, it->second, *record)) break;
    }
    return batch;
  }

  auto entry = std::lower_bound(change_log_.begin(), change_log_.end(), start,
                                [](const LogEntry& e, Revision rev) { return e.revision < rev; });
  for (; entry != change_log_.end(); ++entry) {
    CHORUS_KV_ASSERT(entry->revision >= compact_revision_);
    if (!in_range(*entry->key, query.key, query.range_end)) continue;
    auto it = index_.find(*entry->key);
    CHORUS_KV_ASSERT(it != index_.end());
    const Record* record = it->second.find(entry->revision, entry->sub);
    if (record == nullptr) {
      // Dropped by physical compaction: only an older change of a key at the compaction point.
      CHORUS_KV_ASSERT(entry->revision == compact_revision_);
      continue;
    }
    if (!add(it->first, it->second, *record)) break;
  }
  return batch;
}

}  // namespace chorus::kv
