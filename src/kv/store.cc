#include "kv/store.h"

#include <algorithm>
#include <limits>

#include "kv/invariant.h"
#include "kv/write_txn.h"

namespace chorus::kv {

Store::Store(StoreOptions options) : options_(options) {
  CHORUS_KV_ASSERT(options_.max_txn_ops >= 1);
  CHORUS_KV_ASSERT(options_.lease_ttl_min_seconds >= 0);
}

// ---- WriteTxn

void Store::WriteTxn::put(const std::string& key, std::string value, LeaseId lease) {
  CHORUS_KV_ASSERT(lease == kNoLease || store_.leases_.contains(lease));
  CHORUS_KV_ASSERT(changes_.size() < std::numeric_limits<uint32_t>::max());
  auto [it, inserted] = store_.index_.try_emplace(key);
  KeyHistory& history = it->second;
  CHORUS_KV_ASSERT(inserted == history.empty());
  const Record* live = history.live_at(write_revision());

  Record record;
  record.revision = write_revision();
  record.sub = next_sub();
  record.create_revision = live != nullptr ? live->create_revision : write_revision();
  record.version = live != nullptr ? live->version + 1 : 1;
  record.lease = lease;
  record.value = std::move(value);
  const LeaseId old_lease = live != nullptr ? live->lease : kNoLease;

  history.append(std::move(record));
  ++store_.record_count_;
  if (old_lease != lease) {
    if (old_lease != kNoLease) store_.detach(old_lease, key);
    if (lease != kNoLease) store_.attach(lease, key);
  }
  changes_.push_back(Change{it, next_sub(), old_lease, lease});
}

void Store::WriteTxn::tombstone(const std::string& key) {
  CHORUS_KV_ASSERT(changes_.size() < std::numeric_limits<uint32_t>::max());
  auto it = store_.index_.find(key);
  CHORUS_KV_ASSERT(it != store_.index_.end());
  const Record* live = it->second.live_at(read_revision());
  CHORUS_KV_ASSERT(live != nullptr);
  const LeaseId old_lease = live->lease;

  Record record;
  record.revision = write_revision();
  record.sub = next_sub();
  record.tombstone = true;
  it->second.append(std::move(record));
  ++store_.record_count_;
  if (old_lease != kNoLease) store_.detach(old_lease, key);
  changes_.push_back(Change{it, next_sub(), old_lease, kNoLease});
}

void Store::WriteTxn::rollback() {
  while (!changes_.empty()) {
    const Change change = changes_.back();
    changes_.pop_back();
    KeyHistory& history = change.key->second;
    CHORUS_KV_ASSERT(history.latest().revision == write_revision());
    CHORUS_KV_ASSERT(history.latest().sub == change.sub);
    history.pop_back();
    CHORUS_KV_ASSERT(store_.record_count_ > 0);
    --store_.record_count_;
    if (change.old_lease != change.new_lease) {
      if (change.new_lease != kNoLease) store_.detach(change.new_lease, change.key->first);
      if (change.old_lease != kNoLease) store_.attach(change.old_lease, change.key->first);
    }
    if (history.empty()) store_.index_.erase(change.key);
  }
}

void Store::attach(LeaseId lease, const std::string& key) {
  auto it = leases_.find(lease);
  CHORUS_KV_ASSERT(it != leases_.end());
  const bool inserted = it->second.keys.insert(key).second;
  CHORUS_KV_ASSERT(inserted);
}

void Store::detach(LeaseId lease, const std::string& key) {
  auto it = leases_.find(lease);
  CHORUS_KV_ASSERT(it != leases_.end());
  const size_t erased = it->second.keys.erase(key);
  CHORUS_KV_ASSERT(erased == 1);
}

// etcd's watchableStoreTxnWrite.End: the changes of one write become one revision and are
// published as events, in the order they were made.
void Store::commit(WriteTxn& txn) {
  CHORUS_KV_ASSERT(txn.begin() == current_revision_);
  if (!txn.changed()) return;
  const Revision revision = txn.write_revision();
  current_revision_ = revision;
  for (const WriteTxn::Change& change : txn.changes()) {
    CHORUS_KV_ASSERT(change_log_.empty() ||
                     std::pair(change_log_.back().revision, change_log_.back().sub) <
                         std::pair(revision, change.sub));
    change_log_.push_back(LogEntry{revision, change.sub, &change.key->first});
  }
  if (!event_sink_) return;
  std::vector<Event> events;
  events.reserve(txn.changes().size());
  for (const WriteTxn::Change& change : txn.changes()) {
    const KeyHistory& history = change.key->second;
    const Record* record = history.find(revision, change.sub);
    CHORUS_KV_ASSERT(record != nullptr);
    events.push_back(make_event(change.key->first, history, *record, true));
  }
  event_sink_(revision, events);
}

// ---- Range

namespace {

template <typename T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// -1, 0 or 1, comparing the sort target of two results.
int compare_records(SortTarget target, const KeyValue& a, const KeyValue& b) {
  switch (target) {
    case SortTarget::kKey:
      return three_way(a.key, b.key);
    case SortTarget::kVersion:
      return three_way(a.version, b.version);
    case SortTarget::kCreate:
      return three_way(a.create_revision, b.create_revision);
    case SortTarget::kMod:
      return three_way(a.mod_revision, b.mod_revision);
    case SortTarget::kValue:
      return three_way(a.value, b.value);
  }
  CHORUS_KV_ASSERT(false);
}

void prune(std::vector<KeyValue>& kvs, auto&& drop) {
  kvs.erase(std::remove_if(kvs.begin(), kvs.end(), drop), kvs.end());
}

bool has_revision_filters(const RangeRequest& request) {
  return request.min_mod_revision != 0 || request.max_mod_revision != 0 ||
         request.min_create_revision != 0 || request.max_create_revision != 0;
}

// etcd's pruneKVs calls, in etcd's order.
void apply_revision_filters(const RangeRequest& request, std::vector<KeyValue>& kvs) {
  if (request.max_mod_revision != 0) {
    prune(kvs, [&](const KeyValue& kv) { return kv.mod_revision > request.max_mod_revision; });
  }
  if (request.min_mod_revision != 0) {
    prune(kvs, [&](const KeyValue& kv) { return kv.mod_revision < request.min_mod_revision; });
  }
  if (request.max_create_revision != 0) {
    prune(kvs,
          [&](const KeyValue& kv) { return kv.create_revision > request.max_create_revision; });
  }
  if (request.min_create_revision != 0) {
    prune(kvs,
          [&](const KeyValue& kv) { return kv.create_revision < request.min_create_revision; });
  }
}

// A non-key target with order NONE sorts ascending (etcd: "sort ASCEND by default only when
// target is not 'KEY'"). Stable, so equal targets stay in key order in both directions: what
// etcd's sort.Sort gives for small results (insertion sort); for larger ones etcd's tie order is
// unspecified.
void sort_kvs(const RangeRequest& request, std::vector<KeyValue>& kvs) {
  SortOrder order = request.sort_order;
  if (request.sort_target != SortTarget::kKey && order == SortOrder::kNone) {
    order = SortOrder::kAscend;
  }
  if (order == SortOrder::kNone) return;
  const int direction = order == SortOrder::kAscend ? 1 : -1;
  std::stable_sort(kvs.begin(), kvs.end(), [&](const KeyValue& a, const KeyValue& b) {
    return direction * compare_records(request.sort_target, a, b) < 0;
  });
}

}  // namespace

// etcd's applierV3backend.Range over storeTxnRead.rangeKeys. The order matters and is etcd's:
// fetch (everything when sorting or filtering, otherwise limit + 1 in key order), filter by
// mod/create revision, sort, cut to the limit (more = something was cut), strip values.
// count is the number of keys live in the range at the read revision, before all of that.
Result<RangeResponse> Store::range_at(const RangeRequest& request, Revision current) const {
  Revision at = request.revision;
  if (at > current) return Error::kFutureRevision;
  if (at <= 0) at = current;
  if (at < compact_revision_) return Error::kCompacted;

  RangeResponse response;
  response.revision = current;
  // etcd decides on the raw sort order: a non-key target with order NONE is sorted ascending
  // later, but only over the limit + 1 keys fetched here (docs/kv.md, "Range").
  int64_t fetch =
      request.sort_order != SortOrder::kNone || has_revision_filters(request) ? 0 : request.limit;
  if (fetch > 0) fetch = fetch == std::numeric_limits<int64_t>::max() ? 0 : fetch + 1;

  int64_t count = 0;
  for_each_live(request.key, request.range_end, at,
                [&](const std::string& key, const Record& record) {
                  ++count;
                  if (!request.count_only &&
                      (fetch <= 0 || static_cast<int64_t>(response.kvs.size()) < fetch)) {
                    response.kvs.push_back(record.to_key_value(key));
                  }
                  return true;
                });
  response.count = count;
  if (request.count_only) return response;

  apply_revision_filters(request, response.kvs);
  sort_kvs(request, response.kvs);
  if (request.limit > 0 && static_cast<int64_t>(response.kvs.size()) > request.limit) {
    response.kvs.resize(static_cast<size_t>(request.limit));
    response.more = true;
  }
  if (request.keys_only) {
    for (KeyValue& kv : response.kvs) kv.value.clear();
  }
  return response;
}

Result<RangeResponse> Store::range(const RangeRequest& request) const {
  if (Check error = validate_range(request)) return *error;
  return range_at(request, current_revision_);
}

// ---- Put and DeleteRange

// etcd's applierV3backend.Put inside a write txn: the previous kv is read through the txn (so it
// sees the txn's own earlier changes).
Result<PutResponse> Store::apply_put(WriteTxn& txn, const PutRequest& request) {
  PutResponse response;
  const Record* previous = nullptr;
  if (request.ignore_value || request.ignore_lease || request.prev_kv) {
    auto it = index_.find(request.key);
    if (it != index_.end()) previous = it->second.live_at(txn.read_revision());
  }
  if ((request.ignore_value || request.ignore_lease) && previous == nullptr) {
    return Error::kKeyNotFound;
  }
  std::string value = request.ignore_value ? previous->value : request.value;
  const LeaseId lease = request.ignore_lease ? previous->lease : request.lease;
  if (request.prev_kv && previous != nullptr) {
    response.prev_kv = previous->to_key_value(request.key);
  }
  txn.put(request.key, std::move(value), lease);
  response.revision = txn.write_revision();
  return response;
}

DeleteRangeResponse Store::apply_delete_range(WriteTxn& txn, const DeleteRangeRequest& request) {
  DeleteRangeResponse response;
  std::vector<std::string> keys;
  for_each_live(request.key, request.range_end, txn.read_revision(),
                [&](const std::string& key, const Record& record) {
                  if (request.prev_kv) response.prev_kvs.push_back(record.to_key_value(key));
                  keys.push_back(key);
                  return true;
                });
  for (const std::string& key : keys) txn.tombstone(key);
  response.deleted = static_cast<int64_t>(keys.size());
  // etcd's storeTxnWrite.DeleteRange: the txn's revision once it changed anything.
  response.revision = txn.changed() ? txn.write_revision() : txn.begin();
  return response;
}

Result<PutResponse> Store::put(const PutRequest& request) {
  if (Check error = validate_put(request)) return *error;
  if (request.lease != kNoLease && !leases_.contains(request.lease)) {
    return Error::kLeaseNotFound;
  }
  WriteTxn txn(*this);
  Result<PutResponse> response = apply_put(txn, request);
  if (!response.ok()) {
    CHORUS_KV_ASSERT(!txn.changed());
    return response;
  }
  commit(txn);
  CHORUS_KV_ASSERT(response->revision == current_revision_);
  return response;
}

Result<DeleteRangeResponse> Store::delete_range(const DeleteRangeRequest& request) {
  if (Check error = validate_delete_range(request)) return *error;
  WriteTxn txn(*this);
  DeleteRangeResponse response = apply_delete_range(txn, request);
  commit(txn);
  CHORUS_KV_ASSERT(response.revision == current_revision_);
  return response;
}

// ---- Events shared with store_events.cc

bool Store::in_logical_history(const KeyHistory& history, const Record& record) const {
  if (record.revision > compact_revision_) return true;
  return history.survives_compaction(record, compact_revision_);
}

std::optional<KeyValue> Store::prev_kv_for(const std::string& key, const KeyHistory& history,
                                           const Record& record) const {
  if (!record.tombstone && record.version == 1) return std::nullopt;  // a creation
  const Revision before = record.revision - 1;
  if (before < compact_revision_) return std::nullopt;  // etcd: the range fails, no prev_kv
  const Record* previous = history.live_at(before);
  if (previous == nullptr) return std::nullopt;
  return previous->to_key_value(key);
}

Event Store::make_event(const std::string& key, const KeyHistory& history, const Record& record,
                        bool with_prev_kv) const {
  Event event;
  event.type = record.tombstone ? EventType::kDelete : EventType::kPut;
  event.kv = record.to_key_value(key);
  if (with_prev_kv) event.prev_kv = prev_kv_for(key, history, record);
  return event;
}

// ---- Invariants

void Store::check_invariants(bool look_up_log_keys) const {
  CHORUS_KV_ASSERT(current_revision_ >= 1);
  CHORUS_KV_ASSERT(compact_revision_ <= current_revision_);
  size_t records = 0;
  size_t records_in_log_window = 0;
  std::map<LeaseId, std::set<std::string>> attached;
  for (const auto& [key, history] : index_) {
    CHORUS_KV_ASSERT(!key.empty());
    CHORUS_KV_ASSERT(!history.empty());
    history.check();
    CHORUS_KV_ASSERT(history.latest().revision <= current_revision_);
    records += history.records().size();
    for (const Record& record : history.records()) {
      if (record.revision >= compact_revision_) ++records_in_log_window;
    }
    const Record& latest = history.latest();
    if (!latest.tombstone && latest.lease != kNoLease) attached[latest.lease].insert(key);
  }
  CHORUS_KV_ASSERT(records == record_count_);

  size_t log_in_window = 0;
  for (size_t i = 0; i < change_log_.size(); ++i) {
    const LogEntry& entry = change_log_[i];
    if (i > 0) {
      const LogEntry& previous = change_log_[i - 1];
      CHORUS_KV_ASSERT(std::pair(previous.revision, previous.sub) <
                       std::pair(entry.revision, entry.sub));
    }
    if (entry.revision < compact_revision_) continue;  // may dangle; never read
    ++log_in_window;
    if (!look_up_log_keys) continue;
    auto it = index_.find(*entry.key);
    CHORUS_KV_ASSERT(it != index_.end() && &it->first == entry.key);
    CHORUS_KV_ASSERT(it->second.find(entry.revision, entry.sub) != nullptr ||
                     entry.revision == compact_revision_);
  }
  // Every record at or above the compaction point is logged (records exactly at the point may
  // already have been dropped physically, never the log entries above it).
  CHORUS_KV_ASSERT(log_in_window >= records_in_log_window);

  CHORUS_KV_ASSERT(next_lease_id_ >= 1);
  for (const auto& [id, lease] : leases_) {
    CHORUS_KV_ASSERT(id != kNoLease);
    // next_lease_id_ saturates at the top of the id space (see lease_grant).
    CHORUS_KV_ASSERT(id < next_lease_id_ || id == std::numeric_limits<LeaseId>::max());
    auto it = attached.find(id);
    const std::set<std::string> none;
    CHORUS_KV_ASSERT(lease.keys == (it == attached.end() ? none : it->second));
  }
  for (const auto& [id, keys] : attached) CHORUS_KV_ASSERT(leases_.contains(id));
  if (compaction_.active) CHORUS_KV_ASSERT(compaction_.revision == compact_revision_);
}

}  // namespace chorus::kv
