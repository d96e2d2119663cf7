// The request checks the server runs before proposing (etcd's gRPC-layer checks). They read only
// the request, so a bad request is refused without touching Raft or the store.
#include "kv/validate.h"

#include <gtest/gtest.h>

#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

TEST(ValidateTest, GoodRequestsPass) {
  EXPECT_FALSE(validate_range(range_request("a")).has_value());
  EXPECT_FALSE(validate_put(put_request("a", "v")).has_value());
  EXPECT_FALSE(validate_delete_range(delete_request("a", "b")).has_value());
  TxnRequest txn;
  txn.compare.push_back(compare_version("a", CompareResult::kEqual, 0));
  txn.success.push_back(put_request("a", "v"));
  EXPECT_FALSE(validate_txn(txn).has_value());
}

TEST(ValidateTest, EachCheckNamesEtcdsError) {
  EXPECT_EQ(validate_range(range_request("")), Error::kEmptyKey);
  EXPECT_EQ(validate_delete_range(delete_request("")), Error::kEmptyKey);
  PutRequest put = put_request("a", "v");
  put.ignore_value = true;
  EXPECT_EQ(validate_put(put), Error::kValueProvided);
  put = put_request("a", "", 3);
  put.ignore_lease = true;
  EXPECT_EQ(validate_put(put), Error::kLeaseProvided);
}

TEST(ValidateTest, OpCountIsCheckedBeforeKeys) {
  TxnRequest txn;
  txn.success.assign(3, RequestOp(range_request("")));
  EXPECT_EQ(validate_txn(txn, 2), Error::kTooManyOps);
  EXPECT_EQ(validate_txn(txn, 3), Error::kEmptyKey);
}

TEST(ValidateTest, NestedErrorsAreFound) {
  TxnRequest inner;
  inner.failure.push_back(RequestOp{});
  TxnRequest outer;
  outer.success.push_back(inner);
  EXPECT_EQ(validate_txn(outer), Error::kKeyNotFound);
}

TEST(ValidateTest, DuplicateCheckCoversTheFailureBranchToo) {
  TxnRequest txn;
  txn.failure.push_back(put_request("a", "1"));
  txn.failure.push_back(put_request("a", "2"));
  EXPECT_EQ(validate_txn(txn), Error::kDuplicateKey);
}

}  // namespace
}  // namespace chorus::kv::testing
