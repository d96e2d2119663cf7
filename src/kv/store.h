// The MVCC state machine: etcd's mvcc store, lessor bookkeeping and txn applier in one
// deterministic object. No I/O, no clock, no threads: the server applies committed Raft entries
// to it in log order (and the simulator may too), so two replicas that applied the same entries
// hold the same state and answer every read identically.
//
// Semantics follow etcd 3.5 (server/mvcc/kvstore*.go, server/etcdserver/apply.go,
// server/lease/lessor.go); docs/kv.md lists each rule with the etcd code it matches and the
// places where we were unsure or chose to differ.
//
// Shape of the data:
//   index_        key -> KeyHistory, ordered byte-wise (ranges walk it in key order)
//   change_log_   every change at or above the compaction point, in (revision, sub) order,
//                 pointing at its key in index_ (watch catch-up over wide ranges walks it)
//   leases_       lease id -> granted TTL and the keys attached to it
// Each value is held once, in the record of the revision that wrote it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kv/error.h"
#include "kv/key_history.h"
#include "kv/request.h"
#include "kv/types.h"
#include "kv/validate.h"

namespace chorus::kv {

struct StoreOptions {
  // etcd's --max-txn-ops.
  size_t max_txn_ops = kTxnOpsMaxDefault;
  // A grant with a smaller TTL gets this one (etcd's lessor minLeaseTTL, which etcd derives from
  // the election timeout: the server should pass ceil(1.5 * election timeout in seconds)).
  int64_t lease_ttl_min_seconds = 0;
};

// Called once per write request that changed something, after the change is visible, with the
// new revision and its events in (revision, sub) order. Events carry prev_kv (for every event
// that is not a creation), so a watch hub can serve watchers that asked for it.
using EventSink = std::function<void(Revision revision, const std::vector<Event>& events)>;

class Store {
 public:
  explicit Store(StoreOptions options = {});
  // A copy would leave change_log_ pointing into the original; moves keep map nodes in place.
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  Store(Store&&) noexcept = default;
  Store& operator=(Store&&) noexcept = default;
  ~Store() = default;

  // The revision of the last write (1 for an empty store).
  Revision revision() const { return current_revision_; }
  // The last compaction point; -1 before the first compaction (etcd's compactMainRev).
  Revision compact_revision() const { return compact_revision_; }

  // ---- KV (store_kv.cc, store_txn.cc)
  Result<RangeResponse> range(const RangeRequest& request) const;
  Result<PutResponse> put(const PutRequest& request);
  Result<DeleteRangeResponse> delete_range(const DeleteRangeRequest& request);
  // One revision for the whole txn, and none when it changed nothing (a read-only txn, a delete
  // of absent keys). All checks run before the first write; a failed txn changes nothing.
  Result<TxnResponse> txn(const TxnRequest& request);
  // A txn with no put or delete in either branch, nested ones included, answered without
  // touching the store: safe beside other readers while nothing writes (serializable reads
  // run on clients' threads, node.h). The same answer and errors as txn(); calling it with a
  // txn that writes is a bug.
  Result<TxnResponse> read_txn(const TxnRequest& request) const;

  // ---- Compaction (store_compact.cc)
  // Makes `revision` the compaction point at once: reads and event queries below it fail with
  // kCompacted from now on. Errors: kCompacted when revision <= the current compaction point,
  // kFutureRevision when above the current revision. Physical removal of the history below it
  // is left pending; compact_step() does it in bounded slices so a large store never blocks
  // writes for long (etcd's compactions and defrags stall; we let the caller interleave).
  Result<CompactResponse> compact(Revision revision);
  // Physical compaction work: drops the history below the compaction point of at most
  // `max_keys` keys (and as many change-log entries). Returns true when nothing is pending.
  // Everything observable (ranges, events, hashes, snapshots) is the same whatever the progress.
  // Does nothing (and returns false) while a SnapshotStream is open: the stream needs every
  // record at or below its revision to stay where it is.
  bool compact_step(size_t max_keys);
  bool compaction_pending() const { return compaction_.active; }
  // compact() then compact_step() until done: etcd's Compact with physical=true.
  Result<CompactResponse> compact_fully(Revision revision);

  // ---- Leases (store_lease.cc). Remaining time is not kept here (no clock): the leader decides
  // that a lease expired and proposes its revoke.
  // id 0: the store picks the smallest id above every id it has granted (etcd's server picks a
  // random positive id before proposing; here the choice must be deterministic). Errors:
  // kLeaseTtlTooLarge, then kLeaseExist, in etcd's order. A TTL below the configured minimum is
  // raised to it.
  Result<LeaseGrantResponse> lease_grant(LeaseId id, int64_t ttl_seconds);
  // Deletes every key attached to the lease in one revision (keys in byte order, as etcd sorts
  // them), then forgets the lease. kLeaseNotFound if unknown.
  Result<LeaseRevokeResponse> lease_revoke(LeaseId id);
  // TimeToLive minus the remaining time: TTL as granted and, when with_keys, the attached keys.
  Result<LeaseInfo> lease_info(LeaseId id, bool with_keys) const;
  // Every lease id, ascending.
  std::vector<LeaseId> lease_list() const;
  bool lease_exists(LeaseId id) const { return leases_.contains(id); }

  // ---- Events (store_events.cc)
  void set_event_sink(EventSink sink) { event_sink_ = std::move(sink); }
  // Historical replay for watch catch-up: the events in the key range with revision >=
  // start_revision, oldest first. kCompacted when start_revision < compact_revision() (a watch
  // may start exactly at the compaction point, as in etcd). At most max_events events, except
  // that one revision is never split (a revision with more changes comes back whole).
  Result<EventBatch> events_since(const EventQuery& query) const;

  // ---- Snapshots and hashes (store_snapshot.cc)
  // The whole logical state: data, history at or above the compaction point, revisions, leases.
  // Physical compaction progress is not part of it: a snapshot taken mid-compaction equals one
  // taken after it. Ends with a CRC32C of what precedes it.
  // Built by a SnapshotStream (snapshot_stream.h), which also serves callers that cannot stop
  // for the whole of it.
  std::string snapshot() const;
  static Result<Store> restore(std::string_view snapshot, StoreOptions options = {});
  // etcd's HashKV: a CRC32C over the history up to `revision` (0 = current) that a fully
  // compacted store still holds; equal on replicas that applied the same entries, whatever their
  // physical compaction progress. docs/kv.md defines the bytes hashed. kCompacted below the
  // compaction point, kFutureRevision above the current revision.
  Result<HashKvResponse> hash_kv(Revision revision) const;

  // ---- Introspection
  size_t key_count() const { return index_.size(); }  // keys with any history, live or not
  size_t record_count() const { return record_count_; }
  // Asserts every invariant of the whole state (LogCabin's invariant checker). O(state).
  // `look_up_log_keys` also finds every change-log entry's key in the index (a random access
  // per entry): restore() skips it, since it builds those pointers from the index itself.
  void check_invariants(bool look_up_log_keys = true) const;
  // Whether a SnapshotStream of this store is open (the store must then not be replaced).
  bool snapshot_streaming() const { return open_snapshot_streams_ > 0; }

 private:
  friend class SnapshotStream;
  class WriteTxn;
  struct TxnPath;
  struct Lease {
    int64_t ttl_seconds = 0;
    std::set<std::string> keys;  // keys whose live record names this lease
  };
  // A change in the log: its (revision, sub) and the key it changed. Entries below the
  // compaction point may point at keys already erased and are never dereferenced.
  struct LogEntry {
    Revision revision = 0;
    uint32_t sub = 0;
    const std::string* key = nullptr;
  };
  struct PendingCompaction {
    bool active = false;
    Revision revision = 0;   // the compaction point being applied
    bool keys_done = false;  // every key has been compacted at `revision`
    std::string next_key;    // keys below this one are done
  };
  using Index = std::map<std::string, KeyHistory, std::less<>>;

  // Calls `visit(key, record)` for each key in the range live at `at`, in key order, until it
  // returns false.
  template <typename Visit>
  void for_each_live(const std::string& key, const std::string& range_end, Revision at,
                     Visit&& visit) const;
  Result<RangeResponse> range_at(const RangeRequest& request, Revision current) const;
  bool compare_holds(const Compare& compare) const;
  TxnPath decide(const TxnRequest& request) const;
  Check check_txn_puts(const TxnRequest& request, const TxnPath& path) const;
  Check check_txn_ranges(const TxnRequest& request, const TxnPath& path) const;
  TxnResponse apply_txn(WriteTxn& txn, const TxnRequest& request, const TxnPath& path,
                        Check& failure);
  TxnResponse read_txn_at(const TxnRequest& request, const TxnPath& path) const;
  Result<PutResponse> apply_put(WriteTxn& txn, const PutRequest& request);
  DeleteRangeResponse apply_delete_range(WriteTxn& txn, const DeleteRangeRequest& request);
  void commit(WriteTxn& txn);
  void attach(LeaseId lease, const std::string& key);
  void detach(LeaseId lease, const std::string& key);
  // The key as it was just before `record`'s revision, as etcd's watch server finds it (a range
  // at revision - 1): none for a creation, for a key absent then, or below the compaction point.
  std::optional<KeyValue> prev_kv_for(const std::string& key, const KeyHistory& history,
                                      const Record& record) const;
  // Whether a record is part of the logical history: above the compaction point, or the record
  // a finished compaction keeps. Physical compaction progress never changes the answer.
  bool in_logical_history(const KeyHistory& history, const Record& record) const;
  Event make_event(const std::string& key, const KeyHistory& history, const Record& record,
                   bool with_prev_kv) const;

  StoreOptions options_;
  // The revision of the last write. Starts at 1; +1 per write that changed something.
  Revision current_revision_ = 1;
  // Reads and event queries below this fail. -1 until the first compaction.
  // Invariant: compact_revision_ <= current_revision_.
  Revision compact_revision_ = -1;
  Index index_;
  // Invariant: sorted by (revision, sub); holds every change with revision >=
  // compact_revision_ (entries below it are trimmed by compact_step).
  std::deque<LogEntry> change_log_;
  std::map<LeaseId, Lease> leases_;
  // Invariant: above every lease id granted so far; the next id an id-0 grant gets.
  LeaseId next_lease_id_ = 1;
  PendingCompaction compaction_;
  size_t record_count_ = 0;
  EventSink event_sink_;
  // Open SnapshotStreams; physical compaction waits for them. Mutable: a stream only reads the
  // state, but its existence is what holds the compaction back.
  mutable size_t open_snapshot_streams_ = 0;
};

template <typename Visit>
void Store::for_each_live(const std::string& key, const std::string& range_end, Revision at,
                          Visit&& visit) const {
  if (range_end.empty()) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    if (const Record* record = it->second.live_at(at)) visit(it->first, *record);
    return;
  }
  // etcd's mkGteRange: a range_end of the single byte 0 means "no upper bound".
  const bool from_key = range_end.size() == 1 && range_end[0] == '\0';
  for (auto it = index_.lower_bound(key); it != index_.end(); ++it) {
    if (!from_key && !(it->first < range_end)) break;
    const Record* record = it->second.live_at(at);
    if (record != nullptr && !visit(it->first, *record)) break;
  }
}

}  // namespace chorus::kv
