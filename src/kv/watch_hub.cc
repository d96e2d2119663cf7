#include "kv/watch_hub.h"

#include <algorithm>

#include "kv/invariant.h"

namespace chorus::kv {
namespace {

bool key_in_range(const std::string& key, const std::string& begin, const std::string& end) {
  if (end.empty()) return key == begin;
  if (key < begin) return false;
  if (end.size() == 1 && end[0] == '\0') return true;
  return key < end;
}

size_t event_bytes(const Event& event) {
  size_t bytes = sizeof(Event) + event.kv.key.size() + event.kv.value.size();
  if (event.prev_kv) bytes += event.prev_kv->key.size() + event.prev_kv->value.size();
  return bytes;
}

}  // namespace

WatchHub::WatchHub(const Store& store, WatchHubOptions options) : store_(store), options_(options) {
  CHORUS_KV_ASSERT(options_.buffered_events_max >= 1);
  CHORUS_KV_ASSERT(options_.buffered_bytes_max >= 1);
}

WatchId WatchHub::watch(const WatchRequest& request) {
  Watcher watcher;
  watcher.request = request;
  watcher.next_revision =
      request.start_revision <= 0 ? store_.revision() + 1 : request.start_revision;
  // A start in the past (or at the current revision) needs history first.
  watcher.synced = watcher.next_revision > store_.revision();
  const WatchId id = next_id_++;
  watchers_.emplace(id, std::move(watcher));
  return id;
}

bool WatchHub::cancel(WatchId id) {
  return watchers_.erase(id) == 1;
}

bool WatchHub::wants(const Watcher& watcher, const Event& event) const {
  if (!key_in_range(event.kv.key, watcher.request.key, watcher.request.range_end)) return false;
  if (event.type == EventType::kPut && watcher.request.filter_put) return false;
  if (event.type == EventType::kDelete && watcher.request.filter_delete) return false;
  return true;
}

Event WatchHub::shaped(const Watcher& watcher, const Event& event) const {
  Event out = event;
  if (!watcher.request.prev_kv) out.prev_kv.reset();
  return out;
}

void WatchHub::on_restore() {
  for (auto& [id, watcher] : watchers_) watcher.synced = false;
}

void WatchHub::on_apply(Revision revision, const std::vector<Event>& events) {
  for (auto& [id, watcher] : watchers_) {
    if (!watcher.synced || revision < watcher.next_revision) continue;
    // A synced watcher is never behind: every revision reaches it in turn.
    CHORUS_KV_ASSERT(revision == watcher.next_revision);
    std::vector<Event> matched;
    size_t bytes = 0;
    for (const Event& event : events) {
      if (!wants(watcher, event)) continue;
      matched.push_back(shaped(watcher, event));
      bytes += event_bytes(matched.back());
    }
    const bool fits = watcher.buffer.size() + matched.size() <= options_.buffered_events_max &&
                      watcher.buffered_bytes + bytes <= options_.buffered_bytes_max;
    if (!fits) {
      // Too slow: stop buffering; this revision and later ones come from history.
      watcher.synced = false;
      watcher.next_revision = revision;
      continue;
    }
    for (Event& event : matched) watcher.buffer.push_back(std::move(event));
    watcher.buffered_bytes += bytes;
    watcher.next_revision = revision + 1;
  }
}

WatchPoll WatchHub::poll(WatchId id, size_t max_events) {
  WatchPoll result;
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return result;
  Watcher& watcher = it->second;
  const size_t wanted = std::max<size_t>(max_events, 1);

  while (!watcher.buffer.empty() && result.events.size() < wanted) {
    watcher.buffered_bytes -= event_bytes(watcher.buffer.front());
    result.events.push_back(std::move(watcher.buffer.front()));
    watcher.buffer.pop_front();
  }
  if (!watcher.buffer.empty() || watcher.synced || result.events.size() >= wanted) {
    return result;
  }
  CHORUS_KV_ASSERT(watcher.buffered_bytes == 0);

  // Catch up from history, one bounded batch per poll.
  EventQuery query;
  query.start_revision = watcher.next_revision;
  query.key = watcher.request.key;
  query.range_end = watcher.request.range_end;
  query.prev_kv = watcher.request.prev_kv;
  query.max_events = wanted - result.events.size();
  Result<EventBatch> batch = store_.events_since(query);
  if (!batch.ok()) {
    CHORUS_KV_ASSERT(batch.error() == Error::kCompacted);
    result.compact_revision = store_.compact_revision();
    watchers_.erase(it);
    return result;
  }
  for (Event& event : batch->events) {
    if (wants(watcher, event)) result.events.push_back(std::move(event));
  }
  CHORUS_KV_ASSERT(batch->next_revision >= watcher.next_revision);
  watcher.next_revision = batch->next_revision;
  watcher.synced = watcher.next_revision > store_.revision();
  return result;
}

bool WatchHub::synced(WatchId id) const {
  auto it = watchers_.find(id);
  return it != watchers_.end() && it->second.synced;
}

size_t WatchHub::total_buffered_events() const {
  size_t total = 0;
  for (const auto& [id, watcher] : watchers_) total += watcher.buffer.size();
  return total;
}

size_t WatchHub::buffered_events(WatchId id) const {
  auto it = watchers_.find(id);
  return it == watchers_.end() ? 0 : it->second.buffer.size();
}

}  // namespace chorus::kv
