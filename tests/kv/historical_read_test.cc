// Historical reads: a range at a past revision sees the store as it was then, including keys
// deleted since; revisions in the future or below the compaction point are errors
// (server/mvcc/kvstore_txn.go rangeKeys).
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

using HistoricalReadTest = StoreTest;

TEST_F(HistoricalReadTest, EveryPastRevisionShowsItsOwnState) {
  put("a", "1");  // 2
  put("b", "1");  // 3
  put("a", "2");  // 4
  del("b");       // 5
  put("b", "3");  // 6
  EXPECT_EQ(get("a", 1), KeyValue{});
  EXPECT_EQ(get("a", 2).value, "1");
  EXPECT_EQ(get("a", 3).value, "1");
  EXPECT_EQ(get("a", 4).value, "2");
  EXPECT_EQ(get("b", 4).value, "1");
  EXPECT_EQ(get("b", 5), KeyValue{});
  EXPECT_EQ(get("b", 6).value, "3");
  EXPECT_EQ(get("b", 6).create_revision, 6);
  EXPECT_EQ(get("b", 3).create_revision, 3);
}

TEST_F(HistoricalReadTest, PastVersionsKeepTheirOwnMetadata) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  put("a", "3");  // 4
  const KeyValue at3 = get("a", 3);
  EXPECT_EQ(at3.version, 2);
  EXPECT_EQ(at3.mod_revision, 3);
  EXPECT_EQ(at3.create_revision, 2);
}

TEST_F(HistoricalReadTest, RangesAndCountsAtAPastRevision) {
  put("a", "1");  // 2
  put("b", "1");  // 3
  put("c", "1");  // 4
  del("a", "c");  // 5
  RangeRequest request = range_request("a", "z");
  request.revision = 4;
  request.limit = 1;
  Result<RangeResponse> response = store.range(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(keys_of(*response), std::vector<std::string>({"a"}));
  EXPECT_EQ(response->count, 3);
  EXPECT_TRUE(response->more);
  EXPECT_EQ(response->revision, 5);  // the header carries the current revision
  EXPECT_EQ(keys("a", "z"), std::vector<std::string>({"c"}));
}

TEST_F(HistoricalReadTest, FutureRevisionIsAnError) {
  put("a", "1");
  RangeRequest request = range_request("a");
  request.revision = 3;
  Result<RangeResponse> response = store.range(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error(), Error::kFutureRevision);
  request.revision = 2;  // the current revision itself is fine
  EXPECT_TRUE(store.range(request).ok());
}

TEST_F(HistoricalReadTest, BelowTheCompactionPointIsAnErrorAndAtItIsNot) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  put("a", "3");  // 4
  ASSERT_TRUE(store.compact_fully(3).ok());
  RangeRequest request = range_request("a");
  request.revision = 2;
  Result<RangeResponse> response = store.range(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error(), Error::kCompacted);
  EXPECT_EQ(get("a", 3).value, "2");
  EXPECT_EQ(get("a", 4).value, "3");
}

TEST_F(HistoricalReadTest, FutureIsCheckedBeforeCompacted) {
  put("a", "1");
  ASSERT_TRUE(store.compact_fully(2).ok());
  RangeRequest request = range_request("a");
  request.revision = 99;
  EXPECT_EQ(store.range(request).error(), Error::kFutureRevision);
}

}  // namespace
}  // namespace chorus::kv::testing
