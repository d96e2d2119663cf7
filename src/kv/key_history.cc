#include "kv/key_history.h"

#include <algorithm>

#include "kv/invariant.h"

namespace chorus::kv {

KeyValue Record::to_key_value(const std::string& key) const {
  KeyValue kv;
  kv.key = key;
  kv.mod_revision = revision;
  if (!tombstone) {
    kv.create_revision = create_revision;
    kv.version = version;
    kv.value = value;
    kv.lease = lease;
  }
  return kv;
}

const Record& KeyHistory::latest() const {
  CHORUS_KV_ASSERT(!records_.empty());
  return records_.back();
}

const Record* KeyHistory::at(Revision at) const {
  auto it = std::upper_bound(records_.begin(), records_.end(), at,
                             [](Revision r, const Record& record) { return r < record.revision; });
  if (it == records_.begin()) return nullptr;
  const Record* record = &*std::prev(it);
  CHORUS_KV_ASSERT(record->revision <= at);
  return record;
}

const Record* KeyHistory::live_at(Revision at) const {
  const Record* record = this->at(at);
  if (record == nullptr || record->tombstone) return nullptr;
  return record;
}

const Record* KeyHistory::find(Revision revision, uint32_t sub) const {
  auto it = std::lower_bound(records_.begin(), records_.end(), std::pair{revision, sub},
                             [](const Record& record, const std::pair<Revision, uint32_t>& wanted) {
                               return std::pair{record.revision, record.sub} < wanted;
                             });
  if (it == records_.end() || it->revision != revision || it->sub != sub) return nullptr;
  return &*it;
}

void KeyHistory::append(Record record) {
  if (!records_.empty()) {
    const Record& last = records_.back();
    CHORUS_KV_ASSERT(std::pair(last.revision, last.sub) < std::pair(record.revision, record.sub));
    CHORUS_KV_ASSERT(!(last.tombstone && record.tombstone));
  } else {
    CHORUS_KV_ASSERT(!record.tombstone);
  }
  records_.push_back(std::move(record));
}

void KeyHistory::pop_back() {
  CHORUS_KV_ASSERT(!records_.empty());
  records_.pop_back();
}

bool KeyHistory::survives_compaction(const Record& record, Revision compact_revision) const {
  if (record.revision > compact_revision) return true;
  const Record* newest_at_or_below = at(compact_revision);
  CHORUS_KV_ASSERT(newest_at_or_below != nullptr);
  if (newest_at_or_below != &record) return false;
  return !(record.tombstone && record.revision < compact_revision);
}

size_t KeyHistory::compact(Revision compact_revision) {
  const Record* keep = at(compact_revision);
  if (keep == nullptr) return 0;
  size_t first_kept = static_cast<size_t>(keep - records_.data());
  if (keep->tombstone && keep->revision < compact_revision) ++first_kept;
  records_.erase(records_.begin(), records_.begin() + static_cast<ptrdiff_t>(first_kept));
  CHORUS_KV_ASSERT(records_.empty() || records_.front().revision >= compact_revision ||
                   !records_.front().tombstone);
  return first_kept;
}

const char* KeyHistory::violation(const std::vector<Record>& records) {
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& record = records[i];
    if (record.revision < 1) return "record revision below 1";
    if (record.tombstone) {
      if (record.create_revision != 0 || record.version != 0) return "tombstone with a version";
      if (record.lease != kNoLease || !record.value.empty()) return "tombstone with a value";
    } else {
      if (record.version < 1) return "put with version below 1";
      if (record.create_revision < 1 || record.create_revision > record.revision) {
        return "put created after it was written";
      }
    }
    if (i == 0) continue;
    const Record& previous = records[i - 1];
    if (!(std::pair(previous.revision, previous.sub) < std::pair(record.revision, record.sub))) {
      return "records out of revision order";
    }
    if (record.tombstone) {
      if (previous.tombstone) return "tombstone after a tombstone";
    } else if (previous.tombstone) {
      if (record.version != 1 || record.create_revision != record.revision) {
        return "re-creation that is not version 1";
      }
    } else if (record.version != previous.version + 1 ||
               record.create_revision != previous.create_revision) {
      return "put that does not follow the previous version";
    }
  }
  return nullptr;
}

void KeyHistory::check() const {
  const char* problem = violation(records_);
  if (problem != nullptr) invariant_failed(__FILE__, __LINE__, problem);
}

KeyHistory KeyHistory::from_records(std::vector<Record> records) {
  CHORUS_KV_ASSERT(violation(records) == nullptr);
  KeyHistory history;
  history.records_ = std::move(records);
  return history;
}

}  // namespace chorus::kv
