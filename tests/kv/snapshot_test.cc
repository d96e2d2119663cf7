// Snapshot and restore (a restored store answers identically and goes on identically) and
// HashKV (equal on equal histories, different otherwise, independent of compaction progress).
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

// Writes a history with every feature: versions, deletions, re-creations, leases, a txn.
void build(Store& store) {
  store.lease_grant(5, 30).value();
  store.lease_grant(6, 60).value();
  for (int round = 0; round < 4; ++round) {
    for (int k = 0; k < 6; ++k) {
      const std::string key = "k" + std::to_string(k);
      if ((k + round) % 4 == 0) {
        store.delete_range(delete_request(key)).value();
      } else {
        store
            .put(put_request(key, std::string(static_cast<size_t>(k + round), 'v'),
                             k % 3 == 0 ? 5 : kNoLease))
            .value();
      }
    }
  }
  TxnRequest txn;
  txn.success = {put_request("t1", "x", 6), put_request("t2", "y"), delete_request("k1")};
  store.txn(txn).value();
}

// Every read the store offers, at every revision it can answer.
void expect_same_answers(const Store& a, const Store& b) {
  ASSERT_EQ(a.revision(), b.revision());
  ASSERT_EQ(a.compact_revision(), b.compact_revision());
  const std::string all(1, '\0');
  for (Revision at = std::max<Revision>(a.compact_revision(), 1); at <= a.revision(); ++at) {
    RangeRequest request = range_request(all, all);
    request.revision = at;
    EXPECT_EQ(*a.range(request), *b.range(request)) << "at " << at;
    EventQuery query;
    query.start_revision = at;
    query.key = all;
    query.range_end = all;
    query.prev_kv = true;
    EXPECT_EQ(a.events_since(query)->events, b.events_since(query)->events) << "from " << at;
    EXPECT_EQ(a.hash_kv(at)->hash, b.hash_kv(at)->hash) << "at " << at;
  }
  EXPECT_EQ(a.lease_list(), b.lease_list());
  for (LeaseId id : a.lease_list()) EXPECT_EQ(*a.lease_info(id, true), *b.lease_info(id, true));
  EXPECT_EQ(a.snapshot(), b.snapshot());
}

TEST(SnapshotTest, RestoredStoreAnswersIdentically) {
  Store original;
  build(original);
  Result<Store> restored = Store::restore(original.snapshot());
  ASSERT_TRUE(restored.ok());
  restored->check_invariants();
  expect_same_answers(original, *restored);
}

TEST(SnapshotTest, RestoredStoreGoesOnIdentically) {
  Store original;
  build(original);
  Result<Store> restored = Store::restore(original.snapshot());
  ASSERT_TRUE(restored.ok());
  for (Store* store : {&original, &*restored}) {
    store->put(put_request("k0", "after", 5)).value();
    store->lease_grant(0, 10).value();
    store->lease_revoke(5).value();
    store->compact_fully(store->revision() - 3).value();
    store->put(put_request("new", "1")).value();
  }
  restored->check_invariants();
  expect_same_answers(original, *restored);
}

TEST(SnapshotTest, CompactedStoreRoundTrips) {
  Store original;
  build(original);
  ASSERT_TRUE(original.compact_fully(original.revision() - 6).ok());
  Result<Store> restored = Store::restore(original.snapshot());
  ASSERT_TRUE(restored.ok());
  expect_same_answers(original, *restored);
  EXPECT_EQ(restored->record_count(), original.record_count());
}

TEST(SnapshotTest, SnapshotMidCompactionEqualsSnapshotAfterIt) {
  Store stepped;
  Store oneshot;
  build(stepped);
  build(oneshot);
  const Revision point = stepped.revision() - 5;
  ASSERT_TRUE(stepped.compact(point).ok());
  ASSERT_TRUE(oneshot.compact_fully(point).ok());
  stepped.compact_step(1);
  ASSERT_TRUE(stepped.compaction_pending());
  EXPECT_EQ(stepped.snapshot(), oneshot.snapshot());
  Result<Store> restored = Store::restore(stepped.snapshot());
  ASSERT_TRUE(restored.ok());
  EXPECT_FALSE(restored->compaction_pending());
  EXPECT_EQ(restored->record_count(), oneshot.record_count());
}

TEST(SnapshotTest, EmptyStoreRoundTrips) {
  Store empty;
  Result<Store> restored = Store::restore(empty.snapshot());
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->revision(), 1);
  EXPECT_EQ(restored->compact_revision(), -1);
}

TEST(SnapshotTest, EveryFlippedByteIsDetected) {
  Store original;
  original.lease_grant(1, 5).value();
  original.put(put_request("a", "1", 1)).value();
  original.put(put_request("b", "2")).value();
  const std::string good = original.snapshot();
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    Result<Store> restored = Store::restore(bad);
    ASSERT_FALSE(restored.ok()) << "byte " << i;
    EXPECT_EQ(restored.error(), Error::kCorruptSnapshot);
  }
}

TEST(SnapshotTest, TruncatedOrExtendedSnapshotIsRefused) {
  Store original;
  build(original);
  const std::string good = original.snapshot();
  for (size_t size : {size_t{0}, size_t{3}, good.size() / 2, good.size() - 1}) {
    EXPECT_EQ(Store::restore(good.substr(0, size)).error(), Error::kCorruptSnapshot);
  }
  EXPECT_EQ(Store::restore(good + "x").error(), Error::kCorruptSnapshot);
}

TEST(HashKvTest, EqualOnReplicasWithTheSameHistory) {
  Store a;
  Store b;
  build(a);
  build(b);
  EXPECT_EQ(a.hash_kv(0)->hash, b.hash_kv(0)->hash);
  EXPECT_EQ(a.hash_kv(0)->hash_revision, a.revision());
}

TEST(HashKvTest, DiffersWhenAValueDiffers) {
  Store a;
  Store b;
  a.put(put_request("k", "1")).value();
  b.put(put_request("k", "2")).value();
  EXPECT_NE(a.hash_kv(0)->hash, b.hash_kv(0)->hash);
}

TEST(HashKvTest, DiffersWhenOnlyMetadataDiffers) {
  Store a;
  Store b;
  b.lease_grant(1, 5).value();
  a.put(put_request("k", "1")).value();
  b.put(put_request("k", "1", 1)).value();
  EXPECT_NE(a.hash_kv(0)->hash, b.hash_kv(0)->hash);
}

TEST(HashKvTest, AtAPastRevisionEqualsAReplicaThatStoppedThere) {
  Store ahead;
  Store behind;
  build(ahead);
  build(behind);
  const Revision at = behind.revision();
  ahead.put(put_request("later", "1")).value();
  EXPECT_EQ(ahead.hash_kv(at)->hash, behind.hash_kv(0)->hash);
  EXPECT_NE(ahead.hash_kv(0)->hash, behind.hash_kv(0)->hash);
}

TEST(HashKvTest, IndependentOfPhysicalCompactionProgress) {
  Store stepped;
  build(stepped);
  ASSERT_TRUE(stepped.compact(stepped.revision() - 4).ok());
  const uint32_t before = stepped.hash_kv(0)->hash;
  while (!stepped.compact_step(1)) EXPECT_EQ(stepped.hash_kv(0)->hash, before);
  EXPECT_EQ(stepped.hash_kv(0)->hash, before);
}

TEST(HashKvTest, SkipsATombstoneAtTheCompactionPoint) {
  // etcd's hasher skips it so that versions that drop it and versions that keep it agree.
  Store with_tombstone;
  with_tombstone.put(put_request("a", "1")).value();         // 2
  with_tombstone.put(put_request("b", "1")).value();         // 3
  with_tombstone.delete_range(delete_request("a")).value();  // 4
  Store without;
  without.put(put_request("x", "1")).value();         // 2
  without.put(put_request("b", "1")).value();         // 3
  without.delete_range(delete_request("x")).value();  // 4
  ASSERT_TRUE(with_tombstone.compact_fully(4).ok());
  ASSERT_TRUE(without.compact_fully(4).ok());
  // Both hold only b@3 (and a tombstone at 4) in the hashed history.
  EXPECT_EQ(with_tombstone.hash_kv(0)->hash, without.hash_kv(0)->hash);
}

TEST(HashKvTest, Errors) {
  Store store;
  build(store);
  ASSERT_TRUE(store.compact_fully(5).ok());
  EXPECT_EQ(store.hash_kv(4).error(), Error::kCompacted);
  EXPECT_TRUE(store.hash_kv(5).ok());
  EXPECT_EQ(store.hash_kv(store.revision() + 1).error(), Error::kFutureRevision);
  EXPECT_EQ(store.hash_kv(5)->compact_revision, 5);
}

}  // namespace
}  // namespace chorus::kv::testing
