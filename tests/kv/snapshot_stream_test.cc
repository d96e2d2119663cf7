// A snapshot streamed in slices while writes go on between them is byte for byte the snapshot
// the store had when the stream opened (what lets the server snapshot without fork()).
#include "kv/snapshot_stream.h"

#include <random>

#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

// The image with the stream's count patch applied, as the server's file writer applies it.
std::string drain(SnapshotStream& stream, size_t budget, const std::function<void()>& between) {
  std::string image;
  while (!stream.next(image, budget)) between();
  const SnapshotStream::Patch patch = stream.count_patch();
  EXPECT_EQ(image.substr(patch.offset, patch.bytes.size()), std::string(8, '\0'));
  patch.apply_to(image);
  EXPECT_EQ(image.size(), stream.size());
  return image;
}

std::string key_name(uint64_t n) {
  return "key" + std::to_string(n % 400);
}

// One random write of every kind the store has, some of them failing.
void random_write(Store& store, std::mt19937_64& random) {
  switch (random() % 9) {
    case 0:
    case 1:
    case 2:
      store.put(put_request(key_name(random()), std::string(random() % 40, 'w'))).value();
      break;
    case 3:
      (void)store.delete_range(delete_request(key_name(random())));
      break;
    case 4: {
      // A txn whose second put names a lease that does not exist: it fails after its first
      // write, and the rollback may erase a key it created.
      TxnRequest txn;
      txn.success = {put_request("fresh" + std::to_string(random() % 50), "t"),
                     put_request(key_name(random()), "t", 999'999)};
      EXPECT_FALSE(store.txn(txn).ok());
      break;
    }
    case 5:
      (void)store.lease_grant(0, 30);
      break;
    case 6:
      if (!store.lease_list().empty()) store.lease_revoke(store.lease_list().front()).value();
      break;
    case 7:
      if (store.compact_revision() + 1 < store.revision()) {
        store.compact(store.compact_revision() + 1 + random() % 3).value();
      }
      break;
    case 8:
      EXPECT_FALSE(store.compact_step(50)) << "physical compaction ran under an open stream";
      break;
  }
}

void fill(Store& store, std::mt19937_64& random, int writes) {
  store.lease_grant(7, 60).value();
  for (int i = 0; i < writes; ++i) {
    store.put(put_request(key_name(random()), std::to_string(i), i % 5 == 0 ? 7 : kNoLease))
        .value();
  }
  store.compact(store.revision() - writes / 3).value();
  store.compact_step(20);  // leave the compaction half done: the stream must not depend on it
}

TEST(SnapshotStreamTest, WritesBetweenSlicesDoNotChangeTheImage) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 random(seed);
    Store store;
    fill(store, random, 1500);
    const std::string expected = store.snapshot();
    const size_t records_before = store.record_count();
    std::string image;
    {
      SnapshotStream stream(store);
      image = drain(stream, 1 + random() % 600, [&] {
        for (int i = 0; i < 3; ++i) random_write(store, random);
      });
      EXPECT_GE(store.record_count(), records_before) << "a record went while the stream ran";
    }
    // Not ASSERT_EQ: a mismatch would print two images of a hundred kilobytes.
    ASSERT_TRUE(image == expected) << "seed " << seed << ": " << image.size() << " bytes streamed, "
                                   << expected.size() << " expected";
    Result<Store> restored = Store::restore(image);
    ASSERT_TRUE(restored.ok()) << "seed " << seed;
    store.check_invariants();
    // Held back while the stream ran, the compaction goes on once it is closed.
    while (!store.compact_step(100)) {
    }
    store.check_invariants();
  }
}

TEST(SnapshotStreamTest, EmptyAndOneShotStreamsMatchSnapshot) {
  Store empty;
  {
    SnapshotStream stream(empty);
    EXPECT_TRUE(drain(stream, 1, [] {}) == empty.snapshot());
  }
  std::mt19937_64 random(3);
  Store store;
  fill(store, random, 300);
  SnapshotStream stream(store);
  std::string image;
  EXPECT_TRUE(stream.next(image, std::numeric_limits<size_t>::max()));
  EXPECT_TRUE(stream.done());
  stream.count_patch().apply_to(image);
  // A second stream (snapshot() opens one) while the first is open sees the same state.
  EXPECT_TRUE(image == store.snapshot());
}

TEST(SnapshotStreamTest, KeysCreatedAndDeletedAfterTheStartAreLeftOut) {
  Store store;
  store.put(put_request("b", "1")).value();
  SnapshotStream stream(store);
  std::string image;
  stream.next(image, 1);  // the head and "b"
  store.put(put_request("a", "2")).value();
  store.put(put_request("c", "3")).value();
  store.delete_range(delete_request("b")).value();
  while (!stream.next(image, 1)) {
  }
  stream.count_patch().apply_to(image);
  Result<Store> restored = Store::restore(image);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->revision(), 2);
  EXPECT_EQ(keys_of(*restored->range(range_request("a", "z"))), std::vector<std::string>{"b"});
}

}  // namespace
}  // namespace chorus::kv::testing
