// DeleteRange: single keys, ranges, prefixes and from-key, with prev_kv and the deleted count
// (server/etcdserver/apply.go applierV3backend.DeleteRange; kvstore_txn.go deleteRange).
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

class DeleteTest : public StoreTest {
 protected:
  void SetUp() override {
    put("a", "1");    // 2
    put("b", "2");    // 3
    put("b/1", "3");  // 4
    put("c", "4");    // 5
  }
};

TEST_F(DeleteTest, DeletesOneKeyAtANewRevision) {
  Result<DeleteRangeResponse> response = store.delete_range(delete_request("b"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->deleted, 1);
  EXPECT_EQ(response->revision, 6);
  EXPECT_EQ(keys("a", "z"), std::vector<std::string>({"a", "b/1", "c"}));
}

TEST_F(DeleteTest, DeletesARangeInOneRevision) {
  Result<DeleteRangeResponse> response = store.delete_range(delete_request("a", "c"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->deleted, 3);
  EXPECT_EQ(store.revision(), 6);
  EXPECT_EQ(keys("a", "z"), std::vector<std::string>({"c"}));
}

TEST_F(DeleteTest, DeletesAPrefix) {
  Result<DeleteRangeResponse> response = store.delete_range(delete_request("b/", "b0"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->deleted, 1);
  EXPECT_EQ(keys("a", "z"), std::vector<std::string>({"a", "b", "c"}));
}

TEST_F(DeleteTest, NulRangeEndDeletesFromKey) {
  Result<DeleteRangeResponse> response =
      store.delete_range(delete_request("b", std::string(1, '\0')));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->deleted, 3);
  EXPECT_EQ(keys("a", "z"), std::vector<std::string>({"a"}));
}

TEST_F(DeleteTest, PrevKvReturnsEveryDeletedKey) {
  DeleteRangeRequest request = delete_request("a", "c");
  request.prev_kv = true;
  Result<DeleteRangeResponse> response = store.delete_range(request);
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->prev_kvs.size(), 3u);
  EXPECT_EQ(response->prev_kvs[0].key, "a");
  EXPECT_EQ(response->prev_kvs[0].value, "1");
  EXPECT_EQ(response->prev_kvs[2].key, "b/1");
  EXPECT_EQ(response->prev_kvs[2].mod_revision, 4);
}

TEST_F(DeleteTest, DeletingNothingKeepsTheRevision) {
  del("b");
  Result<DeleteRangeResponse> response = store.delete_range(delete_request("b"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->deleted, 0);
  EXPECT_EQ(response->revision, 6);
  EXPECT_EQ(store.revision(), 6);
}

TEST_F(DeleteTest, EmptyKeyIsRefused) {
  EXPECT_EQ(store.delete_range(delete_request("")).error(), Error::kEmptyKey);
}

TEST_F(DeleteTest, DeletedKeyStaysReadableInHistory) {
  del("a");
  EXPECT_EQ(get("a"), KeyValue{});
  EXPECT_EQ(get("a", 5).value, "1");
}

TEST_F(DeleteTest, DeleteDetachesTheLease) {
  ASSERT_TRUE(store.lease_grant(5, 10).ok());
  put("leased", "x", 5);
  del("leased");
  EXPECT_TRUE(store.lease_info(5, true)->keys.empty());
}

}  // namespace
}  // namespace chorus::kv::testing
