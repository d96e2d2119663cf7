// proto -> kv for every request field: each option set to a value distinct from its default and
// from the other fields, so a field copied into the wrong place or dropped shows. The messages go
// through their wire bytes first, as a server receives them.
#include "convert/requests.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace chorus::convert {
namespace {

// Serialises and parses, so the test sees what a server sees after the wire.
template <typename Message>
Message over_the_wire(const Message& message) {
  Message parsed;
  EXPECT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  return parsed;
}

TEST(RangeRequestToKv, DefaultsStayDefaults) {
  EXPECT_EQ(to_kv(etcdserverpb::RangeRequest()), kv::RangeRequest());
}

TEST(RangeRequestToKv, EveryOptionIsCopiedToItsField) {
  etcdserverpb::RangeRequest request;
  request.set_key(std::string("a\0b", 3));  // bytes, not C strings
  request.set_range_end("z");
  request.set_limit(11);
  request.set_revision(12);
  request.set_sort_order(etcdserverpb::RangeRequest_SortOrder_DESCEND);
  request.set_sort_target(etcdserverpb::RangeRequest_SortTarget_MOD);
  request.set_serializable(true);
  request.set_keys_only(true);
  request.set_count_only(true);
  request.set_min_mod_revision(13);
  request.set_max_mod_revision(14);
  request.set_min_create_revision(15);
  request.set_max_create_revision(16);

  const kv::RangeRequest out = to_kv(over_the_wire(request));

  EXPECT_EQ(out.key, std::string("a\0b", 3));
  EXPECT_EQ(out.range_end, "z");
  EXPECT_EQ(out.limit, 11);
  EXPECT_EQ(out.revision, 12);
  EXPECT_EQ(out.sort_order, kv::SortOrder::kDescend);
  EXPECT_EQ(out.sort_target, kv::SortTarget::kMod);
  EXPECT_TRUE(out.serializable);
  EXPECT_TRUE(out.keys_only);
  EXPECT_TRUE(out.count_only);
  EXPECT_EQ(out.min_mod_revision, 13);
  EXPECT_EQ(out.max_mod_revision, 14);
  EXPECT_EQ(out.min_create_revision, 15);
  EXPECT_EQ(out.max_create_revision, 16);
}

TEST(RangeRequestToKv, EverySortOrderAndTarget) {
  const std::pair<etcdserverpb::RangeRequest_SortOrder, kv::SortOrder> orders[] = {
      {etcdserverpb::RangeRequest_SortOrder_NONE, kv::SortOrder::kNone},
      {etcdserverpb::RangeRequest_SortOrder_ASCEND, kv::SortOrder::kAscend},
      {etcdserverpb::RangeRequest_SortOrder_DESCEND, kv::SortOrder::kDescend},
  };
  const std::pair<etcdserverpb::RangeRequest_SortTarget, kv::SortTarget> targets[] = {
      {etcdserverpb::RangeRequest_SortTarget_KEY, kv::SortTarget::kKey},
      {etcdserverpb::RangeRequest_SortTarget_VERSION, kv::SortTarget::kVersion},
      {etcdserverpb::RangeRequest_SortTarget_CREATE, kv::SortTarget::kCreate},
      {etcdserverpb::RangeRequest_SortTarget_MOD, kv::SortTarget::kMod},
      {etcdserverpb::RangeRequest_SortTarget_VALUE, kv::SortTarget::kValue},
  };
  for (const auto& [pb_order, kv_order] : orders) {
    for (const auto& [pb_target, kv_target] : targets) {
      etcdserverpb::RangeRequest request;
      request.set_key("k");
      request.set_sort_order(pb_order);
      request.set_sort_target(pb_target);
      const kv::RangeRequest out = to_kv(request);
      EXPECT_EQ(out.sort_order, kv_order) << pb_order << "/" << pb_target;
      EXPECT_EQ(out.sort_target, kv_target) << pb_order << "/" << pb_target;
    }
  }
}

TEST(PutRequestToKv, EveryFlagIsCopiedToItsField) {
  etcdserverpb::PutRequest request;
  request.set_key("k");
  request.set_value(std::string("v\0w", 3));
  request.set_lease(-5);  // etcd's lessor grants negative ids; they must pass unchanged
  request.set_prev_kv(true);
  request.set_ignore_value(true);
  request.set_ignore_lease(true);

  const kv::PutRequest out = to_kv(over_the_wire(request));

  EXPECT_EQ(out.key, "k");
  EXPECT_EQ(out.value, std::string("v\0w", 3));
  EXPECT_EQ(out.lease, -5);
  EXPECT_TRUE(out.prev_kv);
  EXPECT_TRUE(out.ignore_value);
  EXPECT_TRUE(out.ignore_lease);
}

TEST(PutRequestToKv, EachFlagAlone) {
  etcdserverpb::PutRequest request;
  request.set_key("k");
  request.set_ignore_value(true);
  kv::PutRequest out = to_kv(request);
  EXPECT_TRUE(out.ignore_value);
  EXPECT_FALSE(out.ignore_lease);
  EXPECT_FALSE(out.prev_kv);
  EXPECT_EQ(out.lease, kv::kNoLease);

  request.set_ignore_value(false);
  request.set_ignore_lease(true);
  out = to_kv(request);
  EXPECT_FALSE(out.ignore_value);
  EXPECT_TRUE(out.ignore_lease);
  EXPECT_FALSE(out.prev_kv);
}

TEST(DeleteRangeRequestToKv, EveryFieldIsCopied) {
  etcdserverpb::DeleteRangeRequest request;
  request.set_key("a");
  request.set_range_end(std::string("\0", 1));  // from-key form
  request.set_prev_kv(true);

  const kv::DeleteRangeRequest out = to_kv(over_the_wire(request));

  EXPECT_EQ(out.key, "a");
  EXPECT_EQ(out.range_end, std::string("\0", 1));
  EXPECT_TRUE(out.prev_kv);
}

etcdserverpb::Compare pb_compare(etcdserverpb::Compare_CompareTarget target,
                                 etcdserverpb::Compare_CompareResult result) {
  etcdserverpb::Compare compare;
  compare.set_key("k");
  compare.set_range_end("m");
  compare.set_target(target);
  compare.set_result(result);
  return compare;
}

TEST(CompareToKv, EveryResultIsCopied) {
  const std::pair<etcdserverpb::Compare_CompareResult, kv::CompareResult> results[] = {
      {etcdserverpb::Compare_CompareResult_EQUAL, kv::CompareResult::kEqual},
      {etcdserverpb::Compare_CompareResult_GREATER, kv::CompareResult::kGreater},
      {etcdserverpb::Compare_CompareResult_LESS, kv::CompareResult::kLess},
      {etcdserverpb::Compare_CompareResult_NOT_EQUAL, kv::CompareResult::kNotEqual},
  };
  for (const auto& [pb_result, kv_result] : results) {
    etcdserverpb::Compare compare =
        pb_compare(etcdserverpb::Compare_CompareTarget_VERSION, pb_result);
    compare.set_version(3);
    const kv::Compare out = to_kv(over_the_wire(compare));
    EXPECT_EQ(out.result, kv_result) << pb_result;
    EXPECT_EQ(out.target, kv::CompareTarget::kVersion);
    EXPECT_EQ(out.version, 3);
    EXPECT_EQ(out.key, "k");
    EXPECT_EQ(out.range_end, "m");
  }
}

TEST(CompareToKv, EachTargetUnionMemberGoesToItsFieldAndOnlyThere) {
  kv::Compare base;
  base.key = "k";
  base.range_end = "m";
  base.result = kv::CompareResult::kGreater;

  etcdserverpb::Compare compare = pb_compare(etcdserverpb::Compare_CompareTarget_VERSION,
                                             etcdserverpb::Compare_CompareResult_GREATER);
  compare.set_version(21);
  kv::Compare want = base;
  want.target = kv::CompareTarget::kVersion;
  want.version = 21;
  EXPECT_EQ(to_kv(over_the_wire(compare)), want);

  compare.set_target(etcdserverpb::Compare_CompareTarget_CREATE);
  compare.set_create_revision(22);
  want = base;
  want.target = kv::CompareTarget::kCreate;
  want.create_revision = 22;
  EXPECT_EQ(to_kv(over_the_wire(compare)), want);

  compare.set_target(etcdserverpb::Compare_CompareTarget_MOD);
  compare.set_mod_revision(23);
  want = base;
  want.target = kv::CompareTarget::kMod;
  want.mod_revision = 23;
  EXPECT_EQ(to_kv(over_the_wire(compare)), want);

  compare.set_target(etcdserverpb::Compare_CompareTarget_VALUE);
  compare.set_value(std::string("x\0y", 3));
  want = base;
  want.target = kv::CompareTarget::kValue;
  want.value = std::string("x\0y", 3);
  EXPECT_EQ(to_kv(over_the_wire(compare)), want);

  compare.set_target(etcdserverpb::Compare_CompareTarget_LEASE);
  compare.set_lease(24);
  want = base;
  want.target = kv::CompareTarget::kLease;
  want.lease = 24;
  EXPECT_EQ(to_kv(over_the_wire(compare)), want);
}

TEST(CompareToKv, MismatchedUnionMemberLeavesTheTargetFieldZero) {
  // target MOD with the version member set: etcd's compareKV reads mod 0 (the union's member is
  // not a ModRevision), so the kv compare must carry mod_revision 0 and version 7.
  etcdserverpb::Compare compare = pb_compare(etcdserverpb::Compare_CompareTarget_MOD,
                                             etcdserverpb::Compare_CompareResult_EQUAL);
  compare.set_version(7);
  const kv::Compare out = to_kv(over_the_wire(compare));
  EXPECT_EQ(out.target, kv::CompareTarget::kMod);
  EXPECT_EQ(out.mod_revision, 0);
  EXPECT_EQ(out.version, 7);
}

TEST(CompareToKv, NoUnionMemberLeavesEveryValueFieldZero) {
  const kv::Compare out = to_kv(over_the_wire(pb_compare(
      etcdserverpb::Compare_CompareTarget_VALUE, etcdserverpb::Compare_CompareResult_EQUAL)));
  EXPECT_EQ(out.target, kv::CompareTarget::kValue);
  EXPECT_EQ(out.value, "");
  EXPECT_EQ(out.version, 0);
  EXPECT_EQ(out.create_revision, 0);
  EXPECT_EQ(out.mod_revision, 0);
  EXPECT_EQ(out.lease, 0);
}

TEST(RequestOpToKv, EachRequestKindAndTheEmptyOne) {
  etcdserverpb::RequestOp op;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(to_kv(op).request));

  op.mutable_request_range()->set_key("r");
  EXPECT_EQ(std::get<kv::RangeRequest>(to_kv(op).request).key, "r");

  op.mutable_request_put()->set_key("p");
  EXPECT_EQ(std::get<kv::PutRequest>(to_kv(op).request).key, "p");

  op.mutable_request_delete_range()->set_key("d");
  EXPECT_EQ(std::get<kv::DeleteRangeRequest>(to_kv(op).request).key, "d");

  op.mutable_request_txn()->add_compare()->set_key("c");
  const kv::RequestOp converted = to_kv(op);
  const auto& txn = std::get<kv::Box<kv::TxnRequest>>(converted.request);
  ASSERT_EQ(txn->compare.size(), 1u);
  EXPECT_EQ(txn->compare[0].key, "c");
}

TEST(TxnRequestToKv, CompareAndBothBranchesInOrderWithNestedTxns) {
  etcdserverpb::TxnRequest request;
  etcdserverpb::Compare* compare = request.add_compare();
  compare->set_key("c1");
  compare->set_target(etcdserverpb::Compare_CompareTarget_LEASE);
  compare->set_result(etcdserverpb::Compare_CompareResult_NOT_EQUAL);
  compare->set_lease(9);
  request.add_compare()->set_key("c2");

  request.add_success()->mutable_request_put()->set_key("s-put");
  request.add_success()->mutable_request_range()->set_key("s-range");
  request.add_success();  // no request set
  etcdserverpb::TxnRequest* nested = request.add_success()->mutable_request_txn();
  nested->add_compare()->set_key("n-c");
  nested->add_failure()->mutable_request_delete_range()->set_key("n-del");
  // two levels deep
  nested->add_success()->mutable_request_txn()->add_success()->mutable_request_put()->set_key(
      "nn-put");
  request.add_failure()->mutable_request_delete_range()->set_key("f-del");

  const kv::TxnRequest out = to_kv(over_the_wire(request));

  ASSERT_EQ(out.compare.size(), 2u);
  EXPECT_EQ(out.compare[0].key, "c1");
  EXPECT_EQ(out.compare[0].target, kv::CompareTarget::kLease);
  EXPECT_EQ(out.compare[0].result, kv::CompareResult::kNotEqual);
  EXPECT_EQ(out.compare[0].lease, 9);
  EXPECT_EQ(out.compare[1].key, "c2");
  EXPECT_EQ(out.compare[1].target, kv::CompareTarget::kVersion);

  ASSERT_EQ(out.success.size(), 4u);
  EXPECT_EQ(std::get<kv::PutRequest>(out.success[0].request).key, "s-put");
  EXPECT_EQ(std::get<kv::RangeRequest>(out.success[1].request).key, "s-range");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(out.success[2].request));
  const kv::TxnRequest& inner = *std::get<kv::Box<kv::TxnRequest>>(out.success[3].request);
  ASSERT_EQ(inner.compare.size(), 1u);
  EXPECT_EQ(inner.compare[0].key, "n-c");
  ASSERT_EQ(inner.failure.size(), 1u);
  EXPECT_EQ(std::get<kv::DeleteRangeRequest>(inner.failure[0].request).key, "n-del");
  ASSERT_EQ(inner.success.size(), 1u);
  const kv::TxnRequest& innermost = *std::get<kv::Box<kv::TxnRequest>>(inner.success[0].request);
  ASSERT_EQ(innermost.success.size(), 1u);
  EXPECT_EQ(std::get<kv::PutRequest>(innermost.success[0].request).key, "nn-put");

  ASSERT_EQ(out.failure.size(), 1u);
  EXPECT_EQ(std::get<kv::DeleteRangeRequest>(out.failure[0].request).key, "f-del");
}

TEST(TxnRequestToKv, EmptyTxnIsEmpty) {
  EXPECT_EQ(to_kv(etcdserverpb::TxnRequest()), kv::TxnRequest());
}

TEST(WatchCreateRequestToKv, EveryFieldAndFilter) {
  etcdserverpb::WatchCreateRequest request;
  request.set_key("a");
  request.set_range_end("b");
  request.set_start_revision(42);
  request.set_prev_kv(true);
  request.set_progress_notify(true);  // the stream's business: no kv field
  request.set_watch_id(5);
  request.set_fragment(true);

  kv::WatchRequest out = to_kv(over_the_wire(request));
  EXPECT_EQ(out.key, "a");
  EXPECT_EQ(out.range_end, "b");
  EXPECT_EQ(out.start_revision, 42);
  EXPECT_TRUE(out.prev_kv);
  EXPECT_FALSE(out.filter_put);
  EXPECT_FALSE(out.filter_delete);

  request.add_filters(etcdserverpb::WatchCreateRequest_FilterType_NOPUT);
  out = to_kv(over_the_wire(request));
  EXPECT_TRUE(out.filter_put);
  EXPECT_FALSE(out.filter_delete);

  request.clear_filters();
  request.add_filters(etcdserverpb::WatchCreateRequest_FilterType_NODELETE);
  out = to_kv(over_the_wire(request));
  EXPECT_FALSE(out.filter_put);
  EXPECT_TRUE(out.filter_delete);

  request.add_filters(etcdserverpb::WatchCreateRequest_FilterType_NOPUT);
  request.add_filters(etcdserverpb::WatchCreateRequest_FilterType_NOPUT);  // repeats are harmless
  out = to_kv(over_the_wire(request));
  EXPECT_TRUE(out.filter_put);
  EXPECT_TRUE(out.filter_delete);
}

}  // namespace
}  // namespace chorus::convert
