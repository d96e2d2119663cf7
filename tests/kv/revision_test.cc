// Revisions and versions: the store-wide clock and each key's create/mod/version, as etcd keeps
// them (server/mvcc/kvstore_txn.go put/delete; etcd starts an empty store at revision 1).
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

using RevisionTest = StoreTest;

TEST_F(RevisionTest, EmptyStoreStartsAtRevisionOne) {
  EXPECT_EQ(store.revision(), 1);
  EXPECT_EQ(store.compact_revision(), -1);
  Result<RangeResponse> response = store.range(range_request("a"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->revision, 1);
  EXPECT_EQ(response->count, 0);
}

TEST_F(RevisionTest, EachPutAdvancesTheRevisionByOne) {
  EXPECT_EQ(put("a", "1"), 2);
  EXPECT_EQ(put("b", "1"), 3);
  EXPECT_EQ(put("a", "2"), 4);
  EXPECT_EQ(store.revision(), 4);
}

TEST_F(RevisionTest, CreateModAndVersionFollowEachPut) {
  put("a", "1");  // 2
  put("b", "x");  // 3
  put("a", "2");  // 4
  put("a", "3");  // 5
  const KeyValue a = get("a");
  EXPECT_EQ(a.create_revision, 2);
  EXPECT_EQ(a.mod_revision, 5);
  EXPECT_EQ(a.version, 3);
  EXPECT_EQ(a.value, "3");
  const KeyValue b = get("b");
  EXPECT_EQ(b.create_revision, 3);
  EXPECT_EQ(b.mod_revision, 3);
  EXPECT_EQ(b.version, 1);
}

TEST_F(RevisionTest, DeleteResetsVersionAndRecreateStartsAGeneration) {
  put("a", "1");  // 2
  put("a", "2");  // 3
  EXPECT_EQ(del("a"), 4);
  EXPECT_EQ(get("a"), KeyValue{});
  EXPECT_EQ(put("a", "3"), 5);
  const KeyValue a = get("a");
  EXPECT_EQ(a.create_revision, 5);
  EXPECT_EQ(a.mod_revision, 5);
  EXPECT_EQ(a.version, 1);
}

TEST_F(RevisionTest, PutOfTheSameValueStillAdvancesRevisionAndVersion) {
  put("a", "v");
  put("a", "v");
  EXPECT_EQ(store.revision(), 3);
  EXPECT_EQ(get("a").version, 2);
}

TEST_F(RevisionTest, DeleteOfAMissingKeyDoesNotAdvanceTheRevision) {
  put("a", "1");
  Result<DeleteRangeResponse> response = store.delete_range(delete_request("zzz"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->deleted, 0);
  EXPECT_EQ(response->revision, 2);
  EXPECT_EQ(store.revision(), 2);
}

TEST_F(RevisionTest, FailedRequestsDoNotAdvanceTheRevision) {
  put("a", "1");
  EXPECT_FALSE(store.put(put_request("", "x")).ok());
  EXPECT_FALSE(store.put(put_request("b", "x", 42)).ok());
  EXPECT_EQ(store.revision(), 2);
}

}  // namespace
}  // namespace chorus::kv::testing
