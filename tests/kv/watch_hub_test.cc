// WatchHub: live fan-out, filters, and bounded buffers. A slow watcher falls back to reading
// history and still sees every event once, in order; one that falls below the compaction point
// ends with the compaction revision.
#include "kv/watch_hub.h"

#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

class WatchHubTest : public StoreTest {
 protected:
  void make_hub(WatchHubOptions options) {
    hub = std::make_unique<WatchHub>(store, options);
    store.set_event_sink([this](Revision revision, const std::vector<Event>& events) {
      hub->on_apply(revision, events);
    });
  }
  void SetUp() override { make_hub(WatchHubOptions{}); }
  WatchId watch(const std::string& key, const std::string& range_end, Revision start = 0) {
    WatchRequest request;
    request.key = key;
    request.range_end = range_end;
    request.start_revision = start;
    return hub->watch(request);
  }
  std::vector<Event> drain(WatchId id, size_t per_poll = 1000) {
    std::vector<Event> all;
    for (int polls = 0; polls < 10000; ++polls) {
      WatchPoll poll = hub->poll(id, per_poll);
      EXPECT_EQ(poll.compact_revision, 0);
      if (poll.events.empty() && hub->synced(id) && hub->buffered_events(id) == 0) break;
      all.insert(all.end(), poll.events.begin(), poll.events.end());
    }
    return all;
  }
  std::unique_ptr<WatchHub> hub;
};

TEST_F(WatchHubTest, WatchersGetLiveEventsInTheirRange) {
  const WatchId prefix = watch("a/", "a0");
  const WatchId single = watch("b", "");
  EXPECT_EQ(prefix, 0);  // etcd numbers watchers from 0
  EXPECT_EQ(single, 1);
  put("a/1", "x");
  put("b", "y");
  put("a/2", "z");
  put("c", "w");
  const std::vector<Event> got = drain(prefix);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kv.key, "a/1");
  EXPECT_EQ(got[1].kv.key, "a/2");
  EXPECT_EQ(drain(single).size(), 1u);
}

// A follower that installs a snapshot replaces its store wholesale: the revision jumps. Watchers
// then read what they missed from the new history instead of expecting the next revision live.
TEST_F(WatchHubTest, WatchersCatchUpFromHistoryAfterTheStoreIsReplaced) {
  const WatchId id = watch("a/", "a0");
  put("a/1", "x");  // revision 2, seen live
  Store ahead;
  for (const char* key : {"a/1", "a/2", "b", "a/3"}) {
    PutRequest request;
    request.key = key;
    request.value = "new";
    ASSERT_TRUE(ahead.put(request).ok());
  }
  auto restored = Store::restore(ahead.snapshot());
  ASSERT_TRUE(restored.ok());
  store = std::move(restored.value());
  store.set_event_sink([this](Revision revision, const std::vector<Event>& events) {
    hub->on_apply(revision, events);
  });
  hub->on_restore();
  put("a/4", "live");  // revision 6: would trip the synced watcher's invariant without on_restore
  const std::vector<Event> got = drain(id);
  std::vector<std::pair<std::string, Revision>> seen;
  for (const Event& event : got) seen.emplace_back(event.kv.key, event.kv.mod_revision);
  const std::vector<std::pair<std::string, Revision>> expected = {
      {"a/1", 2}, {"a/2", 3}, {"a/3", 5}, {"a/4", 6}};
  EXPECT_EQ(seen, expected);
}

TEST_F(WatchHubTest, FiltersAndPrevKv) {
  put("k", "1");
  WatchRequest request;
  request.key = "k";
  request.filter_put = true;
  request.prev_kv = true;
  const WatchId no_puts = hub->watch(request);
  const WatchId plain = watch("k", "");
  put("k", "2");
  del("k");
  const std::vector<Event> deletes = drain(no_puts);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].type, EventType::kDelete);
  ASSERT_TRUE(deletes[0].prev_kv.has_value());
  EXPECT_EQ(deletes[0].prev_kv->value, "2");
  const std::vector<Event> both = drain(plain);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_FALSE(both[0].prev_kv.has_value());  // not asked for
}

TEST_F(WatchHubTest, HistoricalStartReplaysThenGoesLive) {
  put("k", "1");  // 2
  put("k", "2");  // 3
  const WatchId id = watch("k", "", 2);
  EXPECT_FALSE(hub->synced(id));
  put("k", "3");  // 4
  const std::vector<Event> got = drain(id);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].kv.value, "1");
  EXPECT_EQ(got[2].kv.value, "3");
  EXPECT_TRUE(hub->synced(id));
  put("k", "4");
  EXPECT_EQ(hub->buffered_events(id), 1u);
}

TEST_F(WatchHubTest, FutureStartSkipsEarlierRevisions) {
  const WatchId id = watch("k", "", 4);
  put("k", "1");  // 2
  put("k", "2");  // 3
  put("k", "3");  // 4
  const std::vector<Event> got = drain(id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kv.mod_revision, 4);
}

TEST_F(WatchHubTest, SlowWatcherStaysBoundedAndLosesNothing) {
  make_hub(WatchHubOptions{.buffered_events_max = 4});
  const WatchId slow = watch(std::string(1, '\0'), std::string(1, '\0'));
  std::vector<Event> expected;
  store.set_event_sink([&](Revision revision, const std::vector<Event>& events) {
    expected.insert(expected.end(), events.begin(), events.end());
    hub->on_apply(revision, events);
  });
  for (int i = 0; i < 50; ++i) {
    put("k" + std::to_string(i % 7), std::to_string(i));
    EXPECT_LE(hub->buffered_events(slow), 4u);
  }
  EXPECT_FALSE(hub->synced(slow));
  // Drained a few at a time, with writes in between: the stream is still complete and ordered.
  std::vector<Event> got;
  for (int round = 0; round < 200; ++round) {
    WatchPoll poll = hub->poll(slow, 3);
    got.insert(got.end(), poll.events.begin(), poll.events.end());
    if (round % 4 == 0 && round < 40) put("late", std::to_string(round));
    if (poll.events.empty() && hub->synced(slow) && hub->buffered_events(slow) == 0) break;
  }
  for (Event& event : expected) event.prev_kv.reset();
  EXPECT_EQ(got, expected);
}

TEST_F(WatchHubTest, ByteBoundAlsoTriggersHistoryMode) {
  make_hub(WatchHubOptions{.buffered_events_max = 1000, .buffered_bytes_max = 1000});
  const WatchId id = watch("big", "");
  put("big", std::string(600, 'x'));
  EXPECT_TRUE(hub->synced(id));
  put("big", std::string(600, 'y'));
  EXPECT_FALSE(hub->synced(id));
  EXPECT_EQ(hub->buffered_events(id), 1u);
  const std::vector<Event> got = drain(id);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].kv.value, std::string(600, 'y'));
}

TEST_F(WatchHubTest, WatcherBehindTheCompactionPointEndsWithIt) {
  make_hub(WatchHubOptions{.buffered_events_max = 1});
  const WatchId id = watch("k", "");
  put("k", "1");  // 2: buffered
  put("k", "2");  // 3: overflow, unsynced at 3
  put("k", "3");  // 4
  ASSERT_TRUE(store.compact_fully(4).ok());
  WatchPoll poll = hub->poll(id, 10);
  ASSERT_EQ(poll.events.size(), 1u);  // the buffered event still comes out, first
  EXPECT_EQ(poll.events[0].kv.value, "1");
  EXPECT_EQ(poll.compact_revision, 4);
  EXPECT_FALSE(hub->exists(id));
  EXPECT_TRUE(hub->poll(id, 10).events.empty());
}

TEST_F(WatchHubTest, HistoricalStartBelowTheCompactionPoint) {
  put("k", "1");
  put("k", "2");
  ASSERT_TRUE(store.compact_fully(3).ok());
  const WatchId id = watch("k", "", 2);
  EXPECT_EQ(hub->poll(id, 10).compact_revision, 3);
}

TEST_F(WatchHubTest, CancelStopsDelivery) {
  const WatchId id = watch("k", "");
  EXPECT_TRUE(hub->cancel(id));
  EXPECT_FALSE(hub->cancel(id));
  put("k", "1");
  EXPECT_TRUE(hub->poll(id, 10).events.empty());
  EXPECT_EQ(hub->watcher_count(), 0u);
}

}  // namespace
}  // namespace chorus::kv::testing
