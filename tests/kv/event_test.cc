// Events: what every write publishes (etcd's watchableStoreTxnWrite.End and the watch server's
// prev_kv lookup) and historical replay for watch catch-up.
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

class EventTest : public StoreTest {
 protected:
  void SetUp() override {
    store.set_event_sink([this](Revision revision, const std::vector<Event>& events) {
      for (const Event& event : events) {
        EXPECT_EQ(event.kv.mod_revision, revision);
        live.push_back(event);
      }
      ++applies;
    });
  }
  EventBatch replay(Revision start, const std::string& key, const std::string& range_end,
                    size_t max_events = 1000, bool prev_kv = true) {
    EventQuery query;
    query.start_revision = start;
    query.key = key;
    query.range_end = range_end;
    query.max_events = max_events;
    query.prev_kv = prev_kv;
    Result<EventBatch> batch = store.events_since(query);
    EXPECT_TRUE(batch.ok());
    return batch.ok() ? *batch : EventBatch{};
  }
  const std::string kAll = std::string(1, '\0');
  std::vector<Event> live;
  int applies = 0;
};

TEST_F(EventTest, PutPublishesTheNewKeyValue) {
  put("a", "1");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].type, EventType::kPut);
  EXPECT_EQ(live[0].kv, (KeyValue{"a", 2, 2, 1, "1", kNoLease}));
  EXPECT_FALSE(live[0].prev_kv.has_value());  // a creation has no prev_kv
}

TEST_F(EventTest, UpdateCarriesThePreviousKeyValue) {
  put("a", "1");
  put("a", "2");
  ASSERT_EQ(live.size(), 2u);
  ASSERT_TRUE(live[1].prev_kv.has_value());
  EXPECT_EQ(*live[1].prev_kv, (KeyValue{"a", 2, 2, 1, "1", kNoLease}));
}

TEST_F(EventTest, DeletePublishesATombstoneWithTheDeleteRevision) {
  ASSERT_TRUE(store.lease_grant(4, 10).ok());
  put("a", "1", 4);
  del("a");
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[1].type, EventType::kDelete);
  EXPECT_EQ(live[1].kv, (KeyValue{"a", 0, 3, 0, "", kNoLease}));
  ASSERT_TRUE(live[1].prev_kv.has_value());
  EXPECT_EQ(live[1].prev_kv->value, "1");
  EXPECT_EQ(live[1].prev_kv->lease, 4);
}

TEST_F(EventTest, TxnPublishesOneBatchInOpOrder) {
  put("z", "1");
  TxnRequest request;
  request.success.push_back(put_request("m", "1"));
  request.success.push_back(delete_request("z"));
  request.success.push_back(put_request("a", "1"));
  ASSERT_TRUE(store.txn(request).ok());
  EXPECT_EQ(applies, 2);
  ASSERT_EQ(live.size(), 4u);
  EXPECT_EQ(live[1].kv.key, "m");
  EXPECT_EQ(live[2].kv.key, "z");
  EXPECT_EQ(live[2].type, EventType::kDelete);
  EXPECT_EQ(live[3].kv.key, "a");
}

TEST_F(EventTest, WritesThatChangeNothingPublishNothing) {
  del("absent");
  TxnRequest read_only;
  read_only.success.push_back(range_request("a"));
  ASSERT_TRUE(store.txn(read_only).ok());
  EXPECT_FALSE(store.put(put_request("", "x")).ok());
  EXPECT_EQ(applies, 0);
}

TEST_F(EventTest, ReplayEqualsTheLiveStream) {
  put("a", "1");
  put("b", "1");
  put("a", "2");
  del("b");
  TxnRequest request;
  request.success.push_back(put_request("c", "1"));
  request.success.push_back(put_request("b", "again"));
  ASSERT_TRUE(store.txn(request).ok());
  EXPECT_EQ(replay(1, kAll, kAll).events, live);
  EXPECT_EQ(replay(2, kAll, kAll).events, live);
}

TEST_F(EventTest, ReplayFromTheMiddle) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  put("a", "3");  // 4
  EventBatch batch = replay(3, "a", "");
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].kv.mod_revision, 3);
  EXPECT_EQ(batch.next_revision, 5);
}

TEST_F(EventTest, ReplayFiltersByKeyRangeAndPrefix) {
  put("app/1", "x");
  put("other", "x");
  put("app/2", "x");
  put("apq", "x");
  EXPECT_EQ(replay(1, "app/", "app0").events.size(), 2u);
  EXPECT_EQ(replay(1, "other", "").events.size(), 1u);
  EXPECT_EQ(replay(1, "app/2", kAll).events.size(), 3u);  // app/2, apq, other
}

TEST_F(EventTest, ReplayWithoutPrevKv) {
  put("a", "1");
  put("a", "2");
  EventBatch batch = replay(1, "a", "", 1000, false);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_FALSE(batch.events[1].prev_kv.has_value());
}

TEST_F(EventTest, BoundedReplayNeverSplitsARevisionAndResumes) {
  TxnRequest three;
  three.success = {put_request("a", "1"), put_request("b", "1"), put_request("c", "1")};
  ASSERT_TRUE(store.txn(three).ok());  // 2: three events
  put("d", "1");                       // 3
  put("e", "1");                       // 4
  EventBatch first = replay(1, kAll, kAll, 2);
  EXPECT_EQ(first.events.size(), 3u);  // revision 2 comes whole
  EXPECT_EQ(first.next_revision, 3);
  EventBatch second = replay(first.next_revision, kAll, kAll, 1);
  ASSERT_EQ(second.events.size(), 1u);
  EXPECT_EQ(second.events[0].kv.key, "d");
  EXPECT_EQ(second.next_revision, 4);
  EventBatch third = replay(second.next_revision, kAll, kAll, 1);
  ASSERT_EQ(third.events.size(), 1u);
  EXPECT_EQ(third.next_revision, 5);
  EXPECT_TRUE(replay(third.next_revision, kAll, kAll, 1).events.empty());
}

TEST_F(EventTest, BoundedSingleKeyReplayResumes) {
  for (int i = 0; i < 5; ++i) put("a", std::to_string(i));  // 2..6
  std::vector<Event> all;
  Revision next = 1;
  for (int polls = 0; polls < 10 && next <= store.revision(); ++polls) {
    EventBatch batch = replay(next, "a", "", 2);
    all.insert(all.end(), batch.events.begin(), batch.events.end());
    next = batch.next_revision;
  }
  EXPECT_EQ(all, live);
}

TEST_F(EventTest, ReplayBelowTheCompactionPointIsCompacted) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  ASSERT_TRUE(store.compact_fully(3).ok());
  EventQuery query;
  query.start_revision = 2;
  query.key = "a";
  EXPECT_EQ(store.events_since(query).error(), Error::kCompacted);
  query.range_end = kAll;
  EXPECT_EQ(store.events_since(query).error(), Error::kCompacted);
  query.start_revision = 3;
  EXPECT_EQ(store.events_since(query)->events.size(), 1u);
}

TEST_F(EventTest, PrevKvBelowTheCompactionPointIsLeftOut) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  ASSERT_TRUE(store.compact_fully(3).ok());
  EventBatch batch = replay(3, "a", "");
  ASSERT_EQ(batch.events.size(), 1u);
  // etcd reads prev_kv with a range at revision 2, which is compacted: no prev_kv.
  EXPECT_FALSE(batch.events[0].prev_kv.has_value());
}

TEST_F(EventTest, StartInTheFutureOrZeroIsEmpty) {
  put("a", "1");
  EventBatch zero = replay(0, kAll, kAll);
  EXPECT_TRUE(zero.events.empty());
  EXPECT_EQ(zero.next_revision, 3);
  EventBatch future = replay(10, kAll, kAll);
  EXPECT_TRUE(future.events.empty());
  EXPECT_EQ(future.next_revision, 10);
}

TEST_F(EventTest, LeaseRevokePublishesDeletes) {
  ASSERT_TRUE(store.lease_grant(1, 10).ok());
  put("a", "1", 1);
  put("b", "1", 1);
  live.clear();
  ASSERT_TRUE(store.lease_revoke(1).ok());
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].type, EventType::kDelete);
  EXPECT_EQ(live[1].kv.mod_revision, 4);
}

}  // namespace
}  // namespace chorus::kv::testing
