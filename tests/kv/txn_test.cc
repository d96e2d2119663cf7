// Txn: compares (every target and result, ranges), success/failure branches, nested txns, one
// revision per txn, etcd's duplicate-key and op-count rules, and "a failed txn changes nothing"
// (server/etcdserver/apply.go applierV3backend.Txn, api/v3rpc/key.go checkTxnRequest and
// checkIntervals).
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

Compare compare_of(std::string key, CompareTarget target, CompareResult result) {
  Compare compare;
  compare.key = std::move(key);
  compare.target = target;
  compare.result = result;
  return compare;
}

const PutResponse& put_response(const TxnResponse& response, size_t i) {
  return std::get<PutResponse>(response.responses.at(i).response);
}
const RangeResponse& range_response(const TxnResponse& response, size_t i) {
  return std::get<RangeResponse>(response.responses.at(i).response);
}
const DeleteRangeResponse& delete_response(const TxnResponse& response, size_t i) {
  return std::get<DeleteRangeResponse>(response.responses.at(i).response);
}
const TxnResponse& txn_response(const TxnResponse& response, size_t i) {
  return *std::get<Box<TxnResponse>>(response.responses.at(i).response);
}

class TxnTest : public StoreTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store.lease_grant(7, 60).ok());
    put("k", "m");     // 2: create 2, mod 2, version 1
    put("k", "n", 7);  // 3: create 2, mod 3, version 2, lease 7
  }
  // Whether a txn with this single compare takes the success branch.
  bool holds(const Compare& compare) {
    TxnRequest request;
    request.compare.push_back(compare);
    Result<TxnResponse> response = store.txn(request);
    EXPECT_TRUE(response.ok());
    return response.ok() && response->succeeded;
  }
};

TEST_F(TxnTest, EveryTargetWithEveryResult) {
  struct Case {
    CompareTarget target;
    int64_t number;     // compared against (version 2, create 2, mod 3, lease 7)
    std::string value;  // compared against "n"
    bool equal, greater, less;
  };
  const std::vector<Case> cases = {
      {CompareTarget::kVersion, 2, "", true, false, false},
      {CompareTarget::kVersion, 1, "", false, true, false},
      {CompareTarget::kVersion, 3, "", false, false, true},
      {CompareTarget::kCreate, 2, "", true, false, false},
      {CompareTarget::kCreate, 1, "", false, true, false},
      {CompareTarget::kCreate, 9, "", false, false, true},
      {CompareTarget::kMod, 3, "", true, false, false},
      {CompareTarget::kMod, 2, "", false, true, false},
      {CompareTarget::kMod, 4, "", false, false, true},
      {CompareTarget::kLease, 7, "", true, false, false},
      {CompareTarget::kLease, 6, "", false, true, false},
      {CompareTarget::kLease, 8, "", false, false, true},
      {CompareTarget::kValue, 0, "n", true, false, false},
      {CompareTarget::kValue, 0, "m", false, true, false},
      {CompareTarget::kValue, 0, "nn", false, false, true},
  };
  for (const Case& c : cases) {
    Compare compare = compare_of("k", c.target, CompareResult::kEqual);
    compare.version = compare.create_revision = compare.mod_revision = compare.lease = c.number;
    compare.value = c.value;
    const std::string label = "target " + std::to_string(static_cast<int>(c.target)) + " against " +
                              std::to_string(c.number) + c.value;
    compare.result = CompareResult::kEqual;
    EXPECT_EQ(holds(compare), c.equal) << label << " EQUAL";
    compare.result = CompareResult::kNotEqual;
    EXPECT_EQ(holds(compare), !c.equal) << label << " NOT_EQUAL";
    compare.result = CompareResult::kGreater;
    EXPECT_EQ(holds(compare), c.greater) << label << " GREATER";
    compare.result = CompareResult::kLess;
    EXPECT_EQ(holds(compare), c.less) << label << " LESS";
  }
}

TEST_F(TxnTest, MissingKeyComparesAsZeroValues) {
  // The usual "create if absent": create_revision == 0 / version == 0 / mod_revision == 0.
  for (CompareTarget target : {CompareTarget::kVersion, CompareTarget::kCreate, CompareTarget::kMod,
                               CompareTarget::kLease}) {
    EXPECT_TRUE(holds(compare_of("absent", target, CompareResult::kEqual)));
    EXPECT_FALSE(holds(compare_of("absent", target, CompareResult::kGreater)));
  }
}

TEST_F(TxnTest, ValueCompareOnAMissingKeyIsAlwaysFalse) {
  for (CompareResult result : {CompareResult::kEqual, CompareResult::kNotEqual,
                               CompareResult::kGreater, CompareResult::kLess}) {
    EXPECT_FALSE(holds(compare_of("absent", CompareTarget::kValue, result)));
  }
}

TEST_F(TxnTest, RangeCompareNeedsEveryKeyToSatisfyIt) {
  put("r/1", "x");  // version 1
  put("r/2", "x");  // version 1
  Compare compare = compare_version("r/", CompareResult::kEqual, 1);
  compare.range_end = "r0";
  EXPECT_TRUE(holds(compare));
  put("r/2", "y");  // version 2
  EXPECT_FALSE(holds(compare));
  compare.result = CompareResult::kGreater;
  compare.version = 0;
  EXPECT_TRUE(holds(compare));
}

TEST_F(TxnTest, RangeCompareOverNoKeysComparesZeroValues) {
  Compare compare = compare_version("none/", CompareResult::kEqual, 0);
  compare.range_end = "none0";
  EXPECT_TRUE(holds(compare));
  Compare value = compare_of("none/", CompareTarget::kValue, CompareResult::kNotEqual);
  value.range_end = "none0";
  EXPECT_FALSE(holds(value));
}

TEST_F(TxnTest, FromKeyCompare) {
  Compare compare = compare_of("k", CompareTarget::kCreate, CompareResult::kGreater);
  compare.range_end = std::string(1, '\0');
  EXPECT_TRUE(holds(compare));
}

TEST_F(TxnTest, AllComparesMustHold) {
  TxnRequest request;
  request.compare.push_back(compare_version("k", CompareResult::kEqual, 2));
  request.compare.push_back(compare_version("k", CompareResult::kEqual, 3));
  request.success.push_back(put_request("s", "1"));
  request.failure.push_back(put_request("f", "1"));
  Result<TxnResponse> response = store.txn(request);
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->succeeded);
  EXPECT_EQ(get("f").value, "1");
  EXPECT_EQ(get("s"), KeyValue{});
}

TEST_F(TxnTest, NoComparesTakesTheSuccessBranch) {
  TxnRequest request;
  request.success.push_back(put_request("s", "1"));
  Result<TxnResponse> response = store.txn(request);
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->succeeded);
}

TEST_F(TxnTest, AllWritesShareOneRevision) {
  TxnRequest request;
  request.success.push_back(put_request("x", "1"));
  request.success.push_back(put_request("y", "1"));
  request.success.push_back(delete_request("k"));
  Result<TxnResponse> response = store.txn(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->revision, 4);
  EXPECT_EQ(store.revision(), 4);
  EXPECT_EQ(get("x").mod_revision, 4);
  EXPECT_EQ(get("y").mod_revision, 4);
  EXPECT_EQ(put_response(*response, 0).revision, 4);
  EXPECT_EQ(delete_response(*response, 2).revision, 4);
  EXPECT_EQ(delete_response(*response, 2).deleted, 1);
}

TEST_F(TxnTest, ReadOnlyTxnKeepsTheRevision) {
  TxnRequest request;
  request.compare.push_back(compare_version("k", CompareResult::kEqual, 2));
  request.success.push_back(range_request("k"));
  request.failure.push_back(put_request("never", "1"));
  Result<TxnResponse> response = store.txn(request);
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->succeeded);
  EXPECT_EQ(response->revision, 3);
  EXPECT_EQ(store.revision(), 3);
  EXPECT_EQ(range_response(*response, 0).kvs.at(0).value, "n");
}

TEST_F(TxnTest, TxnWhoseWritesChangeNothingKeepsTheRevision) {
  TxnRequest request;
  request.success.push_back(delete_request("absent"));
  Result<TxnResponse> response = store.txn(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->revision, 3);
  EXPECT_EQ(delete_response(*response, 0).revision, 3);
}

TEST_F(TxnTest, ReadsInsideATxnSeeItsEarlierWrites) {
  TxnRequest request;
  request.success.push_back(range_request("k"));
  request.success.push_back(put_request("k", "new"));
  request.success.push_back(range_request("k"));
  request.success.push_back(delete_request("absent"));
  Result<TxnResponse> response = store.txn(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(range_response(*response, 0).kvs.at(0).value, "n");
  EXPECT_EQ(range_response(*response, 0).revision, 3);
  EXPECT_EQ(range_response(*response, 2).kvs.at(0).value, "new");
  EXPECT_EQ(range_response(*response, 2).revision, 4);
  // A delete of nothing after a write reports the txn's revision (etcd's DeleteRange).
  EXPECT_EQ(delete_response(*response, 3).revision, 4);
}

TEST_F(TxnTest, PutPrevKvInsideATxn) {
  TxnRequest request;
  PutRequest put = put_request("k", "o");
  put.prev_kv = true;
  request.success.push_back(put);
  Result<TxnResponse> response = store.txn(request);
  ASSERT_TRUE(response.ok());
  ASSERT_TRUE(put_response(*response, 0).prev_kv.has_value());
  EXPECT_EQ(put_response(*response, 0).prev_kv->value, "n");
}

TEST_F(TxnTest, NestedTxnTakesItsOwnBranch) {
  TxnRequest inner;
  inner.compare.push_back(compare_version("k", CompareResult::kEqual, 99));
  inner.success.push_back(put_request("inner-success", "1"));
  inner.failure.push_back(put_request("inner-failure", "1"));
  TxnRequest outer;
  outer.success.push_back(put_request("outer", "1"));
  outer.success.push_back(inner);
  Result<TxnResponse> response = store.txn(outer);
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->succeeded);
  const TxnResponse& nested = txn_response(*response, 1);
  EXPECT_FALSE(nested.succeeded);
  EXPECT_EQ(nested.revision, 0);  // etcd 3.5 never fills a nested txn's header
  EXPECT_EQ(put_response(nested, 0).revision, 4);
  EXPECT_EQ(get("inner-failure").mod_revision, 4);
  EXPECT_EQ(get("outer").mod_revision, 4);
  EXPECT_EQ(store.revision(), 4);
}

// etcd evaluates every compare on the taken path before the first write (compareToPath), so a
// nested compare does not see the outer txn's earlier writes.
TEST_F(TxnTest, NestedComparesSeeTheStateBeforeTheTxn) {
  TxnRequest inner;
  inner.compare.push_back(compare_version("fresh", CompareResult::kEqual, 0));
  inner.success.push_back(put_request("saw-before", "1"));
  inner.failure.push_back(put_request("saw-after", "1"));
  TxnRequest outer;
  outer.success.push_back(put_request("fresh", "1"));
  outer.success.push_back(inner);
  Result<TxnResponse> response = store.txn(outer);
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(txn_response(*response, 1).succeeded);
  EXPECT_EQ(get("saw-before").value, "1");
}

TEST_F(TxnTest, DoublyNestedTxn) {
  TxnRequest innermost;
  innermost.success.push_back(put_request("deep", "1"));
  TxnRequest middle;
  middle.compare.push_back(compare_version("k", CompareResult::kEqual, 2));
  middle.success.push_back(innermost);
  TxnRequest outer;
  outer.compare.push_back(compare_version("k", CompareResult::kEqual, 99));
  outer.failure.push_back(range_request("k"));
  outer.failure.push_back(middle);
  Result<TxnResponse> response = store.txn(outer);
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->succeeded);
  EXPECT_TRUE(txn_response(*response, 1).succeeded);
  EXPECT_EQ(get("deep").value, "1");
  EXPECT_EQ(response->revision, 4);
}

TxnRequest with_success(std::vector<RequestOp> ops) {
  TxnRequest request;
  request.success = std::move(ops);
  return request;
}

TEST_F(TxnTest, PuttingTheSameKeyTwiceIsADuplicate) {
  TxnRequest request = with_success({put_request("a", "1"), put_request("a", "2")});
  EXPECT_EQ(store.txn(request).error(), Error::kDuplicateKey);
  EXPECT_EQ(store.revision(), 3);
}

TEST_F(TxnTest, PuttingAKeyTheTxnDeletesIsADuplicateInEitherOrder) {
  EXPECT_EQ(store.txn(with_success({delete_request("k"), put_request("k", "1")})).error(),
            Error::kDuplicateKey);
  EXPECT_EQ(store.txn(with_success({put_request("k", "1"), delete_request("k")})).error(),
            Error::kDuplicateKey);
  EXPECT_EQ(store.txn(with_success({put_request("b/1", "1"), delete_request("b/", "b0")})).error(),
            Error::kDuplicateKey);
}

TEST_F(TxnTest, DuplicatesAcrossBranchesAreFine) {
  TxnRequest request;
  request.success.push_back(put_request("a", "1"));
  request.failure.push_back(put_request("a", "2"));
  EXPECT_TRUE(store.txn(request).ok());
}

TEST_F(TxnTest, TwoDeletesOfOverlappingRangesAreFine) {
  EXPECT_TRUE(store.txn(with_success({delete_request("a", "m"), delete_request("k")})).ok());
}

TEST_F(TxnTest, NestedPutUnderAParentDeleteIsADuplicate) {
  EXPECT_EQ(
      store.txn(with_success({delete_request("a", "z"), with_success({put_request("k", "1")})}))
          .error(),
      Error::kDuplicateKey);
}

TEST_F(TxnTest, ParentPutOverANestedDeleteIsADuplicate) {
  EXPECT_EQ(
      store.txn(with_success({with_success({delete_request("k")}), put_request("k", "1")})).error(),
      Error::kDuplicateKey);
}

TEST_F(TxnTest, NestedThenAndElseMayPutTheSameKey) {
  TxnRequest inner;
  inner.success.push_back(put_request("a", "then"));
  inner.failure.push_back(put_request("a", "else"));
  EXPECT_TRUE(store.txn(with_success({inner})).ok());
}

TEST_F(TxnTest, TwoNestedTxnsPuttingTheSameKeyIsADuplicate) {
  EXPECT_EQ(store
                .txn(with_success(
                    {with_success({put_request("a", "1")}), with_success({put_request("a", "2")})}))
                .error(),
            Error::kDuplicateKey);
}

// etcd's checkIntervals lets these through (docs/kv.md, "Duplicate keys"); we accept them too so
// that a client that works against etcd works here, and apply them in op order.
TEST_F(TxnTest, FromKeyDeleteThenPutOfACoveredKeyIsAcceptedAsEtcdDoes) {
  Result<TxnResponse> response = store.txn(
      with_success({delete_request("a", std::string(1, '\0')), put_request("k", "again")}));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(delete_response(*response, 0).deleted, 1);
  const KeyValue k = get("k");
  EXPECT_EQ(k.value, "again");
  EXPECT_EQ(k.version, 1);  // deleted and re-created in the same revision
  EXPECT_EQ(k.create_revision, 4);
  EXPECT_EQ(store.revision(), 4);
}

TEST_F(TxnTest, SiblingPutThenSiblingDeleteIsAcceptedAsEtcdDoes) {
  Result<TxnResponse> response = store.txn(
      with_success({with_success({put_request("k", "1")}), with_success({delete_request("k")})}));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(get("k"), KeyValue{});
  EXPECT_EQ(get("k", 3).value, "n");
}

// etcd 3.5 panics on this one (the put's key check passes before the txn, the delete removes the
// key, the put then fails inside the write). We refuse the txn and change nothing.
TEST_F(TxnTest, IgnoreValuePutAfterAFromKeyDeleteFailsAndChangesNothing) {
  PutRequest put;
  put.key = "k";
  put.ignore_value = true;
  const std::string before = store.snapshot();
  Result<TxnResponse> response = store.txn(
      with_success({put_request("new", "1"), delete_request("a", std::string(1, '\0')), put}));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error(), Error::kKeyNotFound);
  EXPECT_EQ(store.revision(), 3);
  EXPECT_EQ(store.snapshot(), before);
  EXPECT_EQ(store.lease_info(7, true)->keys, std::vector<std::string>({"k"}));
}

TEST_F(TxnTest, TooManyOpsCountsTheLargestOfCompareSuccessAndFailure) {
  Store small(StoreOptions{.max_txn_ops = 3});
  TxnRequest request;
  for (int i = 0; i < 3; ++i) request.success.push_back(put_request("k" + std::to_string(i), ""));
  for (int i = 0; i < 3; ++i)
    request.compare.push_back(compare_version("k", CompareResult::kEqual, 0));
  EXPECT_TRUE(small.txn(request).ok());
  request.failure.assign(4, range_request("x"));
  EXPECT_EQ(small.txn(request).error(), Error::kTooManyOps);
  request.failure.clear();
  request.compare.push_back(compare_version("k", CompareResult::kEqual, 0));
  EXPECT_EQ(small.txn(request).error(), Error::kTooManyOps);
}

TEST_F(TxnTest, DefaultBoundIs128Ops) {
  TxnRequest request;
  for (int i = 0; i < 128; ++i) request.success.push_back(put_request("k" + std::to_string(i), ""));
  EXPECT_TRUE(store.txn(request).ok());
  request.success.push_back(put_request("one-more", ""));
  EXPECT_EQ(store.txn(request).error(), Error::kTooManyOps);
}

TEST_F(TxnTest, NestedTxnMayOnlyUseWhatItsParentLeft) {
  Store small(StoreOptions{.max_txn_ops = 4});
  TxnRequest inner = with_success({put_request("a", ""), put_request("b", "")});
  TxnRequest outer = with_success({range_request("x"), inner});  // 2 ops: inner may have 2
  EXPECT_TRUE(small.txn(outer).ok());
  inner.success.push_back(put_request("c", ""));
  outer = with_success({range_request("x"), inner});
  EXPECT_EQ(small.txn(outer).error(), Error::kTooManyOps);
}

TEST_F(TxnTest, EmptyCompareKeyAndEmptyOpKeyAreRefused) {
  TxnRequest request;
  request.compare.push_back(compare_version("", CompareResult::kEqual, 0));
  EXPECT_EQ(store.txn(request).error(), Error::kEmptyKey);
  EXPECT_EQ(store.txn(with_success({range_request("")})).error(), Error::kEmptyKey);
  TxnRequest failure_only;
  failure_only.failure.push_back(delete_request(""));
  EXPECT_EQ(store.txn(failure_only).error(), Error::kEmptyKey);
}

TEST_F(TxnTest, EmptyRequestOpIsKeyNotFound) {
  EXPECT_EQ(store.txn(with_success({RequestOp{}})).error(), Error::kKeyNotFound);
}

TEST_F(TxnTest, FailedCheckOnTheTakenPathChangesNothing) {
  // The second op names an unknown lease: the first op must not have happened.
  TxnRequest request = with_success({put_request("a", "1"), put_request("b", "1", 99)});
  EXPECT_EQ(store.txn(request).error(), Error::kLeaseNotFound);
  EXPECT_EQ(get("a"), KeyValue{});
  EXPECT_EQ(store.revision(), 3);
}

TEST_F(TxnTest, ChecksOnTheBranchNotTakenDoNotMatter) {
  TxnRequest request;
  request.compare.push_back(compare_version("k", CompareResult::kEqual, 2));
  request.success.push_back(put_request("a", "1"));
  request.failure.push_back(put_request("b", "1", 99));  // unknown lease, never run
  EXPECT_TRUE(store.txn(request).ok());
}

TEST_F(TxnTest, IgnoreValueOnAMissingKeyInATxnIsKeyNotFound) {
  PutRequest put;
  put.key = "absent";
  put.ignore_value = true;
  EXPECT_EQ(store.txn(with_success({put})).error(), Error::kKeyNotFound);
}

TEST_F(TxnTest, RangeRevisionErrorsFailTheTxn) {
  RangeRequest future = range_request("k");
  future.revision = 4;
  EXPECT_EQ(store.txn(with_success({put_request("a", "1"), future})).error(),
            Error::kFutureRevision);
  ASSERT_TRUE(store.compact_fully(3).ok());
  RangeRequest old = range_request("k");
  old.revision = 2;
  EXPECT_EQ(store.txn(with_success({put_request("a", "1"), old})).error(), Error::kCompacted);
  EXPECT_EQ(get("a"), KeyValue{});
}

// etcd's checkRequestRange tests "below the compaction point" before a plain range would turn a
// negative revision into "current": inside a txn, revision -2 is kCompacted.
TEST_F(TxnTest, NegativeRangeRevisionInsideATxnIsCompactedAsInEtcd) {
  RangeRequest negative = range_request("k");
  negative.revision = -2;
  EXPECT_EQ(store.txn(with_success({negative})).error(), Error::kCompacted);
  negative.revision = -1;  // not below etcd's initial compaction point of -1
  EXPECT_TRUE(store.txn(with_success({negative})).ok());
  ASSERT_TRUE(store.compact_fully(2).ok());
  EXPECT_EQ(store.txn(with_success({negative})).error(), Error::kCompacted);
  EXPECT_TRUE(store.range(negative).ok());  // a plain range reads it as "current"
}

// read_txn (const, for serializable txns served beside other readers) answers every read-only
// txn exactly as txn() does: branch, responses, nested txns, revision and errors.
TEST_F(TxnTest, ReadTxnAnswersEveryReadOnlyTxnAsTxnDoes) {
  put("p/1", "a");  // 4
  put("p/2", "b");  // 5
  RangeRequest prefix = range_request("p/", "p0");
  RangeRequest at_four = range_request("p/", "p0");
  at_four.revision = 4;
  RangeRequest future = range_request("k");
  future.revision = 99;
  TxnRequest inner;
  inner.compare.push_back(compare_version("p/1", CompareResult::kEqual, 1));
  inner.success.push_back(range_request("p/2"));
  inner.failure.push_back(range_request("k"));
  TxnRequest holds;
  holds.compare.push_back(compare_version("k", CompareResult::kEqual, 2));
  holds.success = {prefix, at_four, inner};
  holds.failure = {range_request("k")};
  TxnRequest fails = holds;
  fails.compare.front().version = 99;
  const std::vector<TxnRequest> requests = {holds, fails, with_success({future}), TxnRequest{}};
  for (size_t i = 0; i < requests.size(); ++i) {
    SCOPED_TRACE(i);
    Result<TxnResponse> read = store.read_txn(requests[i]);
    Result<TxnResponse> full = store.txn(requests[i]);
    ASSERT_EQ(read.ok(), full.ok());
    if (read.ok()) {
      EXPECT_EQ(*read, *full);
    } else {
      EXPECT_EQ(read.error(), full.error());
    }
  }
  Result<TxnResponse> taken = store.read_txn(holds);
  ASSERT_TRUE(taken.ok());
  EXPECT_TRUE(taken->succeeded);
  EXPECT_EQ(taken->revision, 5);
  EXPECT_EQ(range_response(*taken, 0).kvs.size(), 2u);
  EXPECT_EQ(range_response(*taken, 1).kvs.size(), 1u);  // p/2 was written at revision 5
  EXPECT_EQ(range_response(txn_response(*taken, 2), 0).kvs.at(0).value, "b");
  EXPECT_EQ(store.read_txn(with_success({future})).error(), Error::kFutureRevision);
  EXPECT_EQ(store.revision(), 5);
}

TEST_F(TxnTest, PutChecksRunBeforeRangeChecks) {
  RangeRequest future = range_request("k");
  future.revision = 99;
  EXPECT_EQ(store.txn(with_success({future, put_request("a", "1", 99)})).error(),
            Error::kLeaseNotFound);
}

TEST_F(TxnTest, DuplicateCheckRunsBeforeCompares) {
  TxnRequest request;
  request.compare.push_back(compare_version("k", CompareResult::kEqual, 99));  // fails
  request.success.push_back(put_request("a", "1"));
  request.success.push_back(put_request("a", "2"));
  EXPECT_EQ(store.txn(request).error(), Error::kDuplicateKey);
}

}  // namespace
}  // namespace chorus::kv::testing
