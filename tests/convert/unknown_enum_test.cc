// Enum values the proto does not define (proto3 enums are open: the number a client sends
// survives parsing). to_kv must give them etcd 3.5's meaning, documented in convert/requests.h;
// these tests run the converted requests against a real store and check the outcome etcd gives
// (server/etcdserver/apply.go: Range's sort switch, applyCompare, compareKV; v3rpc/watch.go
// FiltersFromRequest).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "convert/requests.h"
#include "convert/sort_check.h"
#include "kv/store.h"

namespace chorus::convert {
namespace {

constexpr int kUnknown = 99;

template <typename Message>
Message over_the_wire(const Message& message) {
  Message parsed;
  EXPECT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  return parsed;
}

class UnknownEnumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    put("a", "3");  // revision 2
    put("b", "1");  // revision 3
    put("c", "2");  // revision 4
  }
  void TearDown() override { store.check_invariants(); }

  void put(const std::string& key, const std::string& value) {
    kv::PutRequest request;
    request.key = key;
    request.value = value;
    ASSERT_TRUE(store.put(request).ok());
  }
  std::vector<std::string> keys(const kv::RangeResponse& response) {
    std::vector<std::string> out;
    for (const kv::KeyValue& kv : response.kvs) out.push_back(kv.key);
    return out;
  }
  // Whether a txn whose only compare is `compare` (converted from the wire) succeeds.
  bool holds(const etcdserverpb::Compare& compare) {
    etcdserverpb::TxnRequest request;
    *request.add_compare() = compare;
    kv::Result<kv::TxnResponse> response = store.txn(to_kv(over_the_wire(request)));
    EXPECT_TRUE(response.ok());
    return response.ok() && response->succeeded;
  }

  kv::Store store;
};

TEST_F(UnknownEnumTest, UnknownSortValuesSurviveParsing) {
  etcdserverpb::RangeRequest request;
  request.set_sort_order(static_cast<etcdserverpb::RangeRequest_SortOrder>(kUnknown));
  request.set_sort_target(static_cast<etcdserverpb::RangeRequest_SortTarget>(kUnknown + 1));
  const etcdserverpb::RangeRequest parsed = over_the_wire(request);
  EXPECT_EQ(parsed.sort_order(), kUnknown);
  EXPECT_EQ(parsed.sort_target(), kUnknown + 1);
}

TEST_F(UnknownEnumTest, UnknownSortOrderGivesKeyOrderOverEveryKeyThenTheLimit) {
  // etcd 3.5: sort_order != NONE fetches every key; the order switch matches neither ASCEND nor
  // DESCEND, so nothing is sorted (key order, not the VALUE order "b" < "c" < "a"); then the
  // limit cuts and `more` reports the cut.
  etcdserverpb::RangeRequest request;
  request.set_key(std::string("\0", 1));
  request.set_range_end(std::string("\0", 1));
  request.set_limit(2);
  request.set_sort_order(static_cast<etcdserverpb::RangeRequest_SortOrder>(kUnknown));
  request.set_sort_target(etcdserverpb::RangeRequest_SortTarget_VALUE);

  const kv::RangeRequest converted = to_kv(over_the_wire(request));
  EXPECT_EQ(converted.sort_order, kv::SortOrder::kAscend);
  EXPECT_EQ(converted.sort_target, kv::SortTarget::kKey);
  kv::Result<kv::RangeResponse> response = store.range(converted);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(keys(*response), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(response->more);
  EXPECT_EQ(response->count, 3);
}

TEST_F(UnknownEnumTest, UnknownSortTargetGivesKeyOrder) {
  for (const auto order :
       {etcdserverpb::RangeRequest_SortOrder_NONE, etcdserverpb::RangeRequest_SortOrder_DESCEND,
        static_cast<etcdserverpb::RangeRequest_SortOrder>(kUnknown)}) {
    etcdserverpb::RangeRequest request;
    request.set_key("a");
    request.set_range_end("z");
    request.set_sort_order(order);
    request.set_sort_target(static_cast<etcdserverpb::RangeRequest_SortTarget>(kUnknown));
    kv::Result<kv::RangeResponse> response = store.range(to_kv(over_the_wire(request)));
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(keys(*response), (std::vector<std::string>{"a", "b", "c"})) << order;
  }
}

TEST_F(UnknownEnumTest, CheckSortOptionsRejectsWhatEtcd36Rejects) {
  etcdserverpb::RangeRequest range;
  range.set_key("a");
  range.set_sort_order(etcdserverpb::RangeRequest_SortOrder_DESCEND);
  range.set_sort_target(etcdserverpb::RangeRequest_SortTarget_VALUE);
  EXPECT_EQ(check_sort_options(range), std::nullopt);

  etcdserverpb::RangeRequest bad_order = range;
  bad_order.set_sort_order(static_cast<etcdserverpb::RangeRequest_SortOrder>(3));
  EXPECT_EQ(check_sort_options(over_the_wire(bad_order)), ServerError::kInvalidSortOption);
  etcdserverpb::RangeRequest bad_target = range;
  bad_target.set_sort_target(static_cast<etcdserverpb::RangeRequest_SortTarget>(-1));
  EXPECT_EQ(check_sort_options(over_the_wire(bad_target)), ServerError::kInvalidSortOption);
  EXPECT_EQ(message(ServerError::kInvalidSortOption),
            std::string("etcdserver: invalid sort option"));

  // Inside txns: each branch, and a nested txn's branches.
  etcdserverpb::TxnRequest txn;
  *txn.add_success()->mutable_request_range() = range;
  txn.add_success()->mutable_request_put()->set_key("p");
  EXPECT_EQ(check_sort_options(txn), std::nullopt);

  etcdserverpb::TxnRequest in_failure = txn;
  *in_failure.add_failure()->mutable_request_range() = bad_order;
  EXPECT_EQ(check_sort_options(over_the_wire(in_failure)), ServerError::kInvalidSortOption);

  etcdserverpb::TxnRequest nested = txn;
  etcdserverpb::TxnRequest* inner = nested.add_success()->mutable_request_txn();
  *inner->add_success()->mutable_request_range() = range;
  EXPECT_EQ(check_sort_options(nested), std::nullopt);
  *inner->add_failure()->mutable_request_txn()->add_failure()->mutable_request_range() = bad_target;
  EXPECT_EQ(check_sort_options(over_the_wire(nested)), ServerError::kInvalidSortOption);
}

etcdserverpb::Compare compare_of(const std::string& key, int target, int result) {
  etcdserverpb::Compare compare;
  compare.set_key(key);
  compare.set_target(static_cast<etcdserverpb::Compare_CompareTarget>(target));
  compare.set_result(static_cast<etcdserverpb::Compare_CompareResult>(result));
  return compare;
}

TEST_F(UnknownEnumTest, UnknownCompareTargetComparesNothing) {
  // compareKV leaves its comparison at 0: EQUAL holds, NOT_EQUAL, GREATER and LESS fail, an
  // unknown result holds; the same over a live key, a missing key and a range, whatever value
  // the union carries.
  const struct {
    int result;
    bool holds;
  } cases[] = {
      {etcdserverpb::Compare_CompareResult_EQUAL, true},
      {etcdserverpb::Compare_CompareResult_NOT_EQUAL, false},
      {etcdserverpb::Compare_CompareResult_GREATER, false},
      {etcdserverpb::Compare_CompareResult_LESS, false},
      {kUnknown, true},
  };
  for (const auto& c : cases) {
    for (const std::string key : {"a", "missing"}) {
      etcdserverpb::Compare compare = compare_of(key, kUnknown, c.result);
      compare.set_version(1);
      EXPECT_EQ(holds(compare), c.holds) << key << " result " << c.result;
      compare.set_range_end("z");
      EXPECT_EQ(holds(compare), c.holds) << key << "..z result " << c.result;
    }
  }
}

TEST_F(UnknownEnumTest, UnknownCompareResultHoldsExceptValueOverNoKey) {
  // compareKV returns true after its result switch. applyCompare still fails a VALUE compare
  // over no key before it gets there.
  for (const int target :
       {etcdserverpb::Compare_CompareTarget_VERSION, etcdserverpb::Compare_CompareTarget_CREATE,
        etcdserverpb::Compare_CompareTarget_MOD, etcdserverpb::Compare_CompareTarget_LEASE}) {
    etcdserverpb::Compare compare = compare_of("a", target, kUnknown);
    compare.set_version(1000);  // would fail any known result on VERSION but NOT_EQUAL
    EXPECT_TRUE(holds(compare)) << target;
    compare.set_key("missing");
    EXPECT_TRUE(holds(compare)) << target;
    compare.set_key("a");
    compare.set_range_end("z");
    EXPECT_TRUE(holds(compare)) << target;
  }
  etcdserverpb::Compare value =
      compare_of("a", etcdserverpb::Compare_CompareTarget_VALUE, kUnknown);
  value.set_value("not the value");
  EXPECT_TRUE(holds(value));
  value.set_range_end("z");
  EXPECT_TRUE(holds(value));
  value.set_key("missing");
  value.clear_range_end();
  EXPECT_FALSE(holds(value));
  value.set_key("x");
  value.set_range_end("z");  // a range with no key in it
  EXPECT_FALSE(holds(value));
}

TEST_F(UnknownEnumTest, UnknownCompareValuesKeepTheKeyForValidation) {
  // The rewritten compare keeps its key, so an empty key is still refused as etcd refuses it.
  etcdserverpb::TxnRequest request;
  *request.add_compare() = compare_of("", kUnknown, kUnknown);
  kv::Result<kv::TxnResponse> response = store.txn(to_kv(over_the_wire(request)));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error(), kv::Error::kEmptyKey);
}

TEST_F(UnknownEnumTest, UnknownWatchFilterIsIgnored) {
  etcdserverpb::WatchCreateRequest request;
  request.set_key("a");
  request.add_filters(static_cast<etcdserverpb::WatchCreateRequest_FilterType>(kUnknown));
  kv::WatchRequest out = to_kv(over_the_wire(request));
  EXPECT_FALSE(out.filter_put);
  EXPECT_FALSE(out.filter_delete);

  request.add_filters(etcdserverpb::WatchCreateRequest_FilterType_NODELETE);
  request.add_filters(static_cast<etcdserverpb::WatchCreateRequest_FilterType>(-7));
  out = to_kv(over_the_wire(request));
  EXPECT_FALSE(out.filter_put);
  EXPECT_TRUE(out.filter_delete);
}

}  // namespace
}  // namespace chorus::convert
