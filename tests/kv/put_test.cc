// Put and its options (prev_kv, ignore_value, ignore_lease, lease) with etcd's errors
// (server/etcdserver/api/v3rpc/key.go checkPutRequest, apply.go applierV3backend.Put).
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

using PutTest = StoreTest;

TEST_F(PutTest, PrevKvReturnsTheOverwrittenKey) {
  put("a", "1");
  PutRequest request = put_request("a", "2");
  request.prev_kv = true;
  Result<PutResponse> response = store.put(request);
  ASSERT_TRUE(response.ok());
  ASSERT_TRUE(response->prev_kv.has_value());
  EXPECT_EQ(response->prev_kv->value, "1");
  EXPECT_EQ(response->prev_kv->mod_revision, 2);
  EXPECT_EQ(response->revision, 3);
}

TEST_F(PutTest, PrevKvOfANewKeyIsAbsent) {
  PutRequest request = put_request("a", "1");
  request.prev_kv = true;
  Result<PutResponse> response = store.put(request);
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->prev_kv.has_value());
}

TEST_F(PutTest, PrevKvOfADeletedKeyIsAbsent) {
  put("a", "1");
  del("a");
  PutRequest request = put_request("a", "2");
  request.prev_kv = true;
  EXPECT_FALSE(store.put(request)->prev_kv.has_value());
}

TEST_F(PutTest, IgnoreValueKeepsTheValueAndChangesTheLease) {
  ASSERT_TRUE(store.lease_grant(7, 60).ok());
  put("a", "keep");
  PutRequest request;
  request.key = "a";
  request.ignore_value = true;
  request.lease = 7;
  ASSERT_TRUE(store.put(request).ok());
  const KeyValue a = get("a");
  EXPECT_EQ(a.value, "keep");
  EXPECT_EQ(a.lease, 7);
  EXPECT_EQ(a.version, 2);
}

TEST_F(PutTest, IgnoreLeaseKeepsTheLeaseAndChangesTheValue) {
  ASSERT_TRUE(store.lease_grant(7, 60).ok());
  put("a", "old", 7);
  PutRequest request = put_request("a", "new");
  request.ignore_lease = true;
  ASSERT_TRUE(store.put(request).ok());
  EXPECT_EQ(get("a").value, "new");
  EXPECT_EQ(get("a").lease, 7);
  EXPECT_EQ(store.lease_info(7, true)->keys, std::vector<std::string>({"a"}));
}

TEST_F(PutTest, IgnoreValueOrLeaseOnAMissingKeyIsKeyNotFound) {
  PutRequest request;
  request.key = "missing";
  request.ignore_value = true;
  EXPECT_EQ(store.put(request).error(), Error::kKeyNotFound);
  request.ignore_value = false;
  request.ignore_lease = true;
  EXPECT_EQ(store.put(request).error(), Error::kKeyNotFound);
  EXPECT_EQ(store.revision(), 1);
}

TEST_F(PutTest, IgnoreValueOnADeletedKeyIsKeyNotFound) {
  put("a", "1");
  del("a");
  PutRequest request;
  request.key = "a";
  request.ignore_value = true;
  EXPECT_EQ(store.put(request).error(), Error::kKeyNotFound);
}

TEST_F(PutTest, EmptyKeyIsRefused) {
  EXPECT_EQ(store.put(put_request("", "v")).error(), Error::kEmptyKey);
}

TEST_F(PutTest, IgnoreValueWithAValueIsRefused) {
  put("a", "1");
  PutRequest request = put_request("a", "2");
  request.ignore_value = true;
  EXPECT_EQ(store.put(request).error(), Error::kValueProvided);
}

TEST_F(PutTest, IgnoreLeaseWithALeaseIsRefused) {
  ASSERT_TRUE(store.lease_grant(7, 60).ok());
  put("a", "1");
  PutRequest request = put_request("a", "2", 7);
  request.ignore_lease = true;
  EXPECT_EQ(store.put(request).error(), Error::kLeaseProvided);
}

TEST_F(PutTest, UnknownLeaseIsLeaseNotFoundAndChangesNothing) {
  put("a", "1");
  EXPECT_EQ(store.put(put_request("a", "2", 99)).error(), Error::kLeaseNotFound);
  EXPECT_EQ(get("a").value, "1");
  EXPECT_EQ(store.revision(), 2);
}

// A standalone put: etcd looks the lease up before it reads the previous key for ignore_*.
TEST_F(PutTest, LeaseIsCheckedBeforeIgnoreValue) {
  PutRequest request;
  request.key = "missing";
  request.ignore_value = true;
  request.lease = 99;
  EXPECT_EQ(store.put(request).error(), Error::kLeaseNotFound);
}

TEST_F(PutTest, EmptyValueIsAValue) {
  put("a", "");
  Result<RangeResponse> response = store.range(range_request("a"));
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->kvs.size(), 1u);
  EXPECT_EQ(response->kvs[0].value, "");
  EXPECT_EQ(response->kvs[0].version, 1);
}

TEST_F(PutTest, BinaryKeysAndValuesRoundTrip) {
  const std::string key("k\0ey\xff", 5);
  const std::string value("\0\1\2\xfe", 4);
  put(key, value);
  EXPECT_EQ(get(key).value, value);
  EXPECT_EQ(get(key).key, key);
}

}  // namespace
}  // namespace chorus::kv::testing
