// Compaction: etcd's rules for which history survives (server/mvcc/key_index.go compact, 3.5.16
// and later), its errors (kvstore.go updateCompactRev), and our bounded-step physical
// compaction, which must be indistinguishable from a one-shot compaction.
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

using CompactionTest = StoreTest;

TEST_F(CompactionTest, CompactingTheSameOrAnOlderRevisionIsCompacted) {
  put("a", "1");
  put("a", "2");
  ASSERT_TRUE(store.compact_fully(2).ok());
  EXPECT_EQ(store.compact(2).error(), Error::kCompacted);
  EXPECT_EQ(store.compact(1).error(), Error::kCompacted);
  EXPECT_TRUE(store.compact(3).ok());
}

TEST_F(CompactionTest, CompactingAFutureRevisionIsAnError) {
  put("a", "1");
  EXPECT_EQ(store.compact(3).error(), Error::kFutureRevision);
  EXPECT_EQ(store.compact_revision(), -1);
}

TEST_F(CompactionTest, CompactingAtTheCurrentRevisionIsAllowed) {
  put("a", "1");
  Result<CompactResponse> response = store.compact_fully(2);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->revision, 2);
  EXPECT_EQ(store.revision(), 2);  // compaction does not write
  EXPECT_EQ(get("a").value, "1");
}

TEST_F(CompactionTest, KeepsTheLatestVersionAtOrBelowThePoint) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  put("a", "3");  // 4
  put("a", "4");  // 5
  ASSERT_TRUE(store.compact_fully(4).ok());
  EXPECT_EQ(get("a", 4).value, "3");
  EXPECT_EQ(get("a", 4).version, 3);
  EXPECT_EQ(get("a", 5).value, "4");
  EXPECT_EQ(store.record_count(), 2u);
}

TEST_F(CompactionTest, KeyUnchangedSinceLongBeforeThePointSurvives) {
  put("old", "v");  // 2
  for (int i = 0; i < 5; ++i) put("other", std::to_string(i));
  ASSERT_TRUE(store.compact_fully(store.revision()).ok());
  EXPECT_EQ(get("old").value, "v");
  EXPECT_EQ(get("old").create_revision, 2);
}

TEST_F(CompactionTest, DropsKeysDeletedBelowThePoint) {
  put("a", "1");  // 2
  del("a");       // 3
  put("b", "1");  // 4
  ASSERT_TRUE(store.compact_fully(4).ok());
  EXPECT_EQ(store.key_count(), 1u);
  EXPECT_EQ(store.record_count(), 1u);
  EXPECT_EQ(get("a", 4), KeyValue{});
}

TEST_F(CompactionTest, KeepsATombstoneExactlyAtThePoint) {
  put("a", "1");  // 2
  del("a");       // 3
  ASSERT_TRUE(store.compact_fully(3).ok());
  EXPECT_EQ(store.key_count(), 1u);
  // A watch from the compaction point still sees the deletion.
  EventQuery query;
  query.start_revision = 3;
  query.key = "a";
  Result<EventBatch> batch = store.events_since(query);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->events.size(), 1u);
  EXPECT_EQ(batch->events[0].type, EventType::kDelete);
  // A later compaction drops it.
  put("b", "1");  // 4
  ASSERT_TRUE(store.compact_fully(4).ok());
  EXPECT_EQ(store.key_count(), 1u);
}

TEST_F(CompactionTest, RecreatedKeyKeepsOnlyTheNewGeneration) {
  put("a", "1");  // 2
  del("a");       // 3
  put("a", "2");  // 4
  put("a", "3");  // 5
  ASSERT_TRUE(store.compact_fully(4).ok());
  EXPECT_EQ(store.record_count(), 2u);
  EXPECT_EQ(get("a", 4).create_revision, 4);
  EXPECT_EQ(get("a", 5).version, 2);
}

TEST_F(CompactionTest, ReadsBelowFailAtOnceEvenBeforePhysicalWork) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  ASSERT_TRUE(store.compact(3).ok());
  EXPECT_TRUE(store.compaction_pending());
  RangeRequest request = range_request("a");
  request.revision = 2;
  EXPECT_EQ(store.range(request).error(), Error::kCompacted);
  EXPECT_EQ(get("a", 3).value, "2");
  EXPECT_EQ(store.record_count(), 2u);  // nothing removed yet
  EXPECT_TRUE(store.compact_step(100));
  EXPECT_EQ(store.record_count(), 1u);
}

// A store big enough to need many steps, with every kind of history.
void fill(Store& store, int keys, int rounds) {
  for (int round = 0; round < rounds; ++round) {
    for (int k = 0; k < keys; ++k) {
      const std::string key = "key/" + std::to_string(k);
      if ((k + round) % 5 == 0) {
        store.delete_range(delete_request(key)).value();
      } else {
        store.put(put_request(key, std::to_string(round * 1000 + k))).value();
      }
    }
  }
}

TEST_F(CompactionTest, EachStepTouchesAtMostItsBudgetOfKeys) {
  fill(store, 50, 4);
  const size_t before = store.record_count();
  ASSERT_TRUE(store.compact(store.revision() - 20).ok());
  size_t steps = 0;
  size_t previous = before;
  while (!store.compact_step(5)) {
    ++steps;
    // 5 keys of at most 4 records each: at most 20 records go per step.
    EXPECT_LE(previous - store.record_count(), 20u);
    previous = store.record_count();
    store.check_invariants();
  }
  EXPECT_GE(steps, 9u);  // 50 keys / 5 per step
  EXPECT_LT(store.record_count(), before);
}

TEST_F(CompactionTest, BoundedStepsEqualOneShot) {
  Store stepped;
  fill(store, 40, 6);
  fill(stepped, 40, 6);
  const Revision point = store.revision() - 37;
  ASSERT_TRUE(store.compact_fully(point).ok());
  ASSERT_TRUE(stepped.compact(point).ok());

  // Observable state is the same before, during and after the physical work.
  for (int step = 0;; ++step) {
    EXPECT_EQ(stepped.snapshot(), store.snapshot()) << "step " << step;
    EXPECT_EQ(stepped.hash_kv(0)->hash, store.hash_kv(0)->hash) << "step " << step;
    for (Revision at = point; at <= store.revision(); at += 7) {
      RangeRequest request = range_request("key/", "key0");
      request.revision = at;
      EXPECT_EQ(*stepped.range(request), *store.range(request)) << "at " << at;
    }
    EventQuery query;
    query.start_revision = point;
    query.key = "key/";
    query.range_end = "key0";
    query.prev_kv = true;
    query.max_events = 100000;
    EXPECT_EQ(stepped.events_since(query)->events, store.events_since(query)->events);
    stepped.check_invariants();
    if (stepped.compact_step(3)) break;
  }
  EXPECT_EQ(stepped.record_count(), store.record_count());
  EXPECT_EQ(stepped.key_count(), store.key_count());
}

TEST_F(CompactionTest, WritesInterleavedWithStepsAreKept) {
  fill(store, 30, 3);
  Store reference;
  fill(reference, 30, 3);
  const Revision point = store.revision();
  ASSERT_TRUE(store.compact(point).ok());
  ASSERT_TRUE(reference.compact_fully(point).ok());
  int writes = 0;
  while (!store.compact_step(2)) {
    const std::string key = "key/" + std::to_string(writes % 7);
    store.put(put_request(key, "during")).value();
    reference.put(put_request(key, "during")).value();
    ++writes;
  }
  EXPECT_GT(writes, 5);
  EXPECT_EQ(store.snapshot(), reference.snapshot());
}

TEST_F(CompactionTest, NewCompactionWhilePendingRestartsAtTheNewPoint) {
  fill(store, 30, 4);
  Store reference;
  fill(reference, 30, 4);
  ASSERT_TRUE(store.compact(store.revision() - 50).ok());
  store.compact_step(4);
  store.compact_step(4);
  ASSERT_TRUE(store.compact(store.revision() - 10).ok());
  while (!store.compact_step(4)) {
  }
  ASSERT_TRUE(reference.compact_fully(reference.revision() - 10).ok());
  EXPECT_EQ(store.record_count(), reference.record_count());
  EXPECT_EQ(store.snapshot(), reference.snapshot());
}

TEST_F(CompactionTest, CompactingAnEmptyStore) {
  EXPECT_TRUE(store.compact_fully(1).ok());
  EXPECT_EQ(store.compact_revision(), 1);
  EXPECT_EQ(store.compact(1).error(), Error::kCompacted);
}

TEST_F(CompactionTest, StepWithoutPendingWorkIsDone) {
  EXPECT_FALSE(store.compaction_pending());
  EXPECT_TRUE(store.compact_step(1));
}

}  // namespace
}  // namespace chorus::kv::testing
