// WatchHub: fans the store's events out to watchers, each with a bounded buffer.
//
// etcd keeps a watcher whose channel is full as a "victim" and keeps its pending events in
// memory without bound, which is how a slow watcher grows a server to many GB (etcd #16839).
// Here a watcher holds at most `buffered_events_max` events and `buffered_bytes_max` bytes; when
// a new revision would not fit, the watcher stops taking live events and becomes unsynced at
// that revision. poll() then hands out what is buffered and refills from the store's history
// (Store::events_since), so the watcher still sees every event in order, at the cost of reading
// history instead of memory. If the history it needs is compacted before it catches up, the
// watcher ends with the compaction revision, as etcd cancels a compacted watcher.
//
// The hub holds no clock and no threads: the server calls on_apply from the store's event sink
// and poll() from each watch stream's sender.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "kv/store.h"

namespace chorus::kv {

using WatchId = int64_t;

struct WatchHubOptions {
  size_t buffered_events_max = 1024;            // per watcher
  size_t buffered_bytes_max = 4 * 1024 * 1024;  // per watcher: keys, values and prev values
};

// etcdserverpb.WatchCreateRequest, less what the stream handles (fragment, progress_notify).
struct WatchRequest {
  std::string key;
  std::string range_end;        // same forms as a range
  Revision start_revision = 0;  // <= 0: the next revision
  bool prev_kv = false;
  bool filter_put = false;     // etcd's NOPUT filter
  bool filter_delete = false;  // etcd's NODELETE filter
};

struct WatchPoll {
  std::vector<Event> events;  // oldest first
  // Non-zero when the watcher needed history below the compaction point: it has been removed
  // and the client must start over from this revision or later (etcd's compact_revision with
  // canceled = true). Events returned beside it are valid and come before it.
  Revision compact_revision = 0;
};

class WatchHub {
 public:
  // `store` must outlive the hub; wire store.set_event_sink to on_apply.
  explicit WatchHub(const Store& store, WatchHubOptions options = {});

  WatchId watch(const WatchRequest& request);
  // false when no such watcher.
  bool cancel(WatchId id);
  // The store's event sink.
  void on_apply(Revision revision, const std::vector<Event>& events);
  // The store was replaced wholesale (a follower installed a snapshot): its revision may have
  // jumped past what watchers have seen, so every watcher reads history from where it stands,
  // and one whose history was compacted away ends with the compaction revision.
  void on_restore();
  // Up to max_events events (a revision read from history comes back whole, so a poll may
  // return more). An unknown watcher polls empty.
  WatchPoll poll(WatchId id, size_t max_events);

  bool exists(WatchId id) const { return watchers_.contains(id); }
  // Synced: takes live events; otherwise catching up from history.
  bool synced(WatchId id) const;
  size_t buffered_events(WatchId id) const;
  size_t watcher_count() const { return watchers_.size(); }
  // Events buffered over all watchers (the watch buffer depth: chorus_watch_pending_events).
  size_t total_buffered_events() const;

 private:
  struct Watcher {
    WatchRequest request;
    bool synced = false;
    // The first revision the watcher has neither buffered nor handed out.
    Revision next_revision = 0;
    std::deque<Event> buffer;
    size_t buffered_bytes = 0;
  };
  bool wants(const Watcher& watcher, const Event& event) const;
  Event shaped(const Watcher& watcher, const Event& event) const;

  const Store& store_;
  WatchHubOptions options_;
  std::map<WatchId, Watcher> watchers_;
  WatchId next_id_ = 0;  // etcd numbers watchers from 0
};

}  // namespace chorus::kv
