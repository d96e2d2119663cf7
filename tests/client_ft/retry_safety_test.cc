// Which txns may be repeated after an unknown outcome.
#include "client/retry_safety.h"

#include <gtest/gtest.h>

namespace chorus::client {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::TxnRequest;

void add_compare(TxnRequest& txn, const std::string& key, Compare::CompareTarget target,
                 Compare::CompareResult result = Compare::EQUAL) {
  auto* compare = txn.add_compare();
  compare->set_key(key);
  compare->set_target(target);
  compare->set_result(result);
  if (target == Compare::VERSION) compare->set_version(0);
}

void add_put(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* ops,
             const std::string& key) {
  auto* put = ops->Add()->mutable_request_put();
  put->set_key(key);
  put->set_value("v");
}

void add_get(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* ops,
             const std::string& key) {
  ops->Add()->mutable_request_range()->set_key(key);
}

TEST(RetrySafety, AReadOnlyTxnIsSafe) {
  TxnRequest txn;
  add_compare(txn, "k", Compare::VALUE);
  add_get(txn.mutable_success(), "k");
  add_get(txn.mutable_failure(), "other");
  EXPECT_TRUE(txn_is_read_only(txn));
  EXPECT_TRUE(txn_is_retry_safe(txn));
}

TEST(RetrySafety, AnUnguardedPutIsNot) {
  TxnRequest txn;
  add_put(txn.mutable_success(), "k");
  EXPECT_FALSE(txn_is_read_only(txn));
  EXPECT_FALSE(txn_is_retry_safe(txn));
}

TEST(RetrySafety, APutGuardedOnItsKeysVersionOrModRevisionIsSafe) {
  TxnRequest create;
  add_compare(create, "k", Compare::VERSION);
  add_put(create.mutable_success(), "k");
  EXPECT_TRUE(txn_is_retry_safe(create));

  TxnRequest update;
  add_compare(update, "k", Compare::MOD);
  add_put(update.mutable_success(), "k");
  add_get(update.mutable_failure(), "k");
  EXPECT_TRUE(txn_is_retry_safe(update));
}

TEST(RetrySafety, GuardsThatAWriteDoesNotChangeAreNotEnough) {
  TxnRequest by_create;  // a put to an existing key keeps its create revision
  add_compare(by_create, "k", Compare::CREATE);
  add_put(by_create.mutable_success(), "k");
  EXPECT_FALSE(txn_is_retry_safe(by_create));

  TxnRequest by_value;  // putting the same value again keeps the value
  add_compare(by_value, "k", Compare::VALUE);
  add_put(by_value.mutable_success(), "k");
  EXPECT_FALSE(txn_is_retry_safe(by_value));

  TxnRequest not_equal;
  add_compare(not_equal, "k", Compare::VERSION, Compare::GREATER);
  add_put(not_equal.mutable_success(), "k");
  EXPECT_FALSE(txn_is_retry_safe(not_equal));
}

TEST(RetrySafety, EveryWrittenKeyMustBeGuarded) {
  TxnRequest txn;
  add_compare(txn, "a", Compare::VERSION);
  add_put(txn.mutable_success(), "a");
  add_put(txn.mutable_success(), "b");
  EXPECT_FALSE(txn_is_retry_safe(txn));
  add_compare(txn, "b", Compare::MOD);
  EXPECT_TRUE(txn_is_retry_safe(txn));
}

TEST(RetrySafety, AFailureBranchThatWritesIsNotSafe) {
  TxnRequest txn;  // a repeat of an applied txn runs the failure branch
  add_compare(txn, "k", Compare::VERSION);
  add_put(txn.mutable_success(), "k");
  add_put(txn.mutable_failure(), "conflicts");
  EXPECT_FALSE(txn_is_retry_safe(txn));
}

TEST(RetrySafety, RangeDeletesAndWritingNestedTxnsAreNotSafe) {
  TxnRequest range_delete;
  add_compare(range_delete, "k", Compare::VERSION);
  auto* del = range_delete.add_success()->mutable_request_delete_range();
  del->set_key("k");
  del->set_range_end("l");
  EXPECT_FALSE(txn_is_retry_safe(range_delete));

  TxnRequest guarded_delete;
  add_compare(guarded_delete, "k", Compare::MOD);
  guarded_delete.add_success()->mutable_request_delete_range()->set_key("k");
  EXPECT_TRUE(txn_is_retry_safe(guarded_delete));

  TxnRequest nested;
  add_compare(nested, "k", Compare::VERSION);
  add_put(nested.add_success()->mutable_request_txn()->mutable_success(), "k");
  EXPECT_FALSE(txn_is_retry_safe(nested));
  EXPECT_FALSE(txn_is_read_only(nested));
}

}  // namespace
}  // namespace chorus::client
