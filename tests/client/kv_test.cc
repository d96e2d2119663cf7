// The KV calls against a real etcd: what a user of Client sees for put, get, ranges, delete,
// txn and compaction.
#include <gtest/gtest.h>

#include "client/etcd_process.h"
#include "client/requests.h"

namespace chorus::client {
namespace {

using testing::EtcdTest;

PutOptions put_options(const std::string& key, const std::string& value, bool prev_kv = false) {
  PutOptions options;
  options.key = key;
  options.value = value;
  options.prev_kv = prev_kv;
  return options;
}

class KvTest : public EtcdTest {
 protected:
  std::int64_t put(const std::string& key, const std::string& value) {
    auto response = client_->put(make_put_request(put_options(key, value)));
    EXPECT_TRUE(response.ok()) << response.error().error_message();
    return response.ok() ? response->header().revision() : 0;
  }
  std::vector<std::string> keys_of(const GetOptions& options) {
    auto request = make_range_request(options);
    EXPECT_TRUE(request.ok());
    auto response = client_->range(*request);
    EXPECT_TRUE(response.ok()) << response.error().error_message();
    std::vector<std::string> keys;
    if (response.ok()) {
      for (const auto& kv : response->kvs()) keys.push_back(kv.key());
    }
    return keys;
  }
};

TEST_F(KvTest, PutThenGetReturnsTheValueAndItsRevisions) {
  const auto revision = put(key("k"), "v1");
  GetOptions get;
  get.key = key("k");
  auto response = client_->range(*make_range_request(get));
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->kvs_size(), 1);
  EXPECT_EQ(response->kvs(0).value(), "v1");
  EXPECT_EQ(response->kvs(0).mod_revision(), revision);
  EXPECT_EQ(response->kvs(0).version(), 1);
}

TEST_F(KvTest, PutWithPrevKvReturnsTheOverwrittenPair) {
  put(key("k"), "old");
  auto response = client_->put(make_put_request(put_options(key("k"), "new", true)));
  ASSERT_TRUE(response.ok());
  ASSERT_TRUE(response->has_prev_kv());
  EXPECT_EQ(response->prev_kv().value(), "old");
}

TEST_F(KvTest, PrefixFromKeyRangeEndAndLimitSelectTheRightKeys) {
  for (const char* name : {"a", "b", "c"}) put(key(name), name);
  GetOptions prefix;
  prefix.key = key("");
  prefix.prefix = true;
  EXPECT_EQ(keys_of(prefix), (std::vector<std::string>{key("a"), key("b"), key("c")}));
  GetOptions range;
  range.key = key("a");
  range.range_end = key("c");
  EXPECT_EQ(keys_of(range), (std::vector<std::string>{key("a"), key("b")}));
  GetOptions limited = prefix;
  limited.limit = 2;
  EXPECT_EQ(keys_of(limited).size(), 2u);
  GetOptions descending = prefix;
  descending.order = "descend";
  EXPECT_EQ(keys_of(descending), (std::vector<std::string>{key("c"), key("b"), key("a")}));
  GetOptions from_key;
  from_key.key = key("b");
  from_key.from_key = true;
  const auto from_b = keys_of(from_key);
  ASSERT_GE(from_b.size(), 2u);  // other tests' later keys may follow
  EXPECT_EQ(from_b[0], key("b"));
  EXPECT_EQ(from_b[1], key("c"));
}

TEST_F(KvTest, CountOnlyAndKeysOnlyAndOldRevisions) {
  const auto first = put(key("k"), "v1");
  put(key("k"), "v2");
  GetOptions count;
  count.key = key("");
  count.prefix = true;
  count.count_only = true;
  auto counted = client_->range(*make_range_request(count));
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->count(), 1);
  EXPECT_EQ(counted->kvs_size(), 0);
  GetOptions keys_only;
  keys_only.key = key("k");
  keys_only.keys_only = true;
  auto keys = client_->range(*make_range_request(keys_only));
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->kvs_size(), 1);
  EXPECT_TRUE(keys->kvs(0).value().empty());
  GetOptions old;
  old.key = key("k");
  old.revision = first;
  auto at_first = client_->range(*make_range_request(old));
  ASSERT_TRUE(at_first.ok());
  ASSERT_EQ(at_first->kvs_size(), 1);
  EXPECT_EQ(at_first->kvs(0).value(), "v1");
}

TEST_F(KvTest, AFutureRevisionIsOutOfRange) {
  GetOptions get;
  get.key = key("k");
  get.revision = 1'000'000'000;
  auto response = client_->range(*make_range_request(get));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(response.error().error_message(),
            "etcdserver: mvcc: required revision is a future revision");
}

TEST_F(KvTest, DeleteRangeCountsAndReturnsPreviousPairs) {
  for (const char* name : {"a", "b"}) put(key(name), name);
  DeleteOptions del;
  del.key = key("");
  del.prefix = true;
  del.prev_kv = true;
  auto response = client_->delete_range(*make_delete_request(del));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->deleted(), 2);
  ASSERT_EQ(response->prev_kvs_size(), 2);
  EXPECT_EQ(response->prev_kvs(1).value(), "b");
  GetOptions get;
  get.key = key("");
  get.prefix = true;
  EXPECT_TRUE(keys_of(get).empty());
}

TEST_F(KvTest, TxnTakesTheBranchItsComparesChoose) {
  put(key("flag"), "on");
  for (const char* expected : {"on", "off"}) {
    etcdserverpb::TxnRequest txn;
    auto* compare = txn.add_compare();
    compare->set_key(key("flag"));
    compare->set_target(etcdserverpb::Compare::VALUE);
    compare->set_result(etcdserverpb::Compare::EQUAL);
    compare->set_value(expected);
    *txn.add_success()->mutable_request_put() = make_put_request(put_options(key("then"), "1"));
    *txn.add_failure()->mutable_request_put() = make_put_request(put_options(key("else"), "1"));
    auto response = client_->txn(txn);
    ASSERT_TRUE(response.ok()) << response.error().error_message();
    EXPECT_EQ(response->succeeded(), std::string(expected) == "on");
  }
  GetOptions get;
  get.key = key("");
  get.prefix = true;
  EXPECT_EQ(keys_of(get), (std::vector<std::string>{key("else"), key("flag"), key("then")}));
}

TEST_F(KvTest, CompactingTwiceOrIntoTheFutureFails) {
  const auto revision = put(key("k"), "v");
  auto compacted = client_->compact(revision);
  ASSERT_TRUE(compacted.ok()) << compacted.error().error_message();
  auto again = client_->compact(revision);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(again.error().error_message(),
            "etcdserver: mvcc: required revision has been compacted");
  auto future = client_->compact(revision + 1'000'000);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().error_message(),
            "etcdserver: mvcc: required revision is a future revision");
  GetOptions old;
  old.key = key("k");
  old.revision = revision - 1;
  auto read = client_->range(*make_range_request(old));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(KvTest, RangeEndWithPrefixIsRefusedBeforeAnyCall) {
  GetOptions get;
  get.key = "a";
  get.range_end = "b";
  get.prefix = true;
  auto request = make_range_request(get);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.error().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace chorus::client
