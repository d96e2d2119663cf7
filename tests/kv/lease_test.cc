// Leases as replicated state: grant, revoke (deleting the attached keys in one revision),
// attachment through puts, lookups (server/lease/lessor.go; apply.go LeaseGrant/LeaseRevoke).
#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

using LeaseTest = StoreTest;

TEST_F(LeaseTest, GrantWithAnId) {
  Result<LeaseGrantResponse> response = store.lease_grant(42, 30);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->id, 42);
  EXPECT_EQ(response->ttl_seconds, 30);
  EXPECT_EQ(response->revision, 1);  // a grant does not write keys
  EXPECT_TRUE(store.lease_exists(42));
}

TEST_F(LeaseTest, GrantWithIdZeroPicksTheNextFreeId) {
  EXPECT_EQ(store.lease_grant(0, 10)->id, 1);
  EXPECT_EQ(store.lease_grant(0, 10)->id, 2);
  ASSERT_TRUE(store.lease_grant(100, 10).ok());
  EXPECT_EQ(store.lease_grant(0, 10)->id, 101);
  ASSERT_TRUE(store.lease_grant(50, 10).ok());  // below: does not move the next id back
  EXPECT_EQ(store.lease_grant(0, 10)->id, 102);
}

TEST_F(LeaseTest, GrantOfAnExistingIdIsLeaseExist) {
  ASSERT_TRUE(store.lease_grant(42, 30).ok());
  EXPECT_EQ(store.lease_grant(42, 60).error(), Error::kLeaseExist);
  EXPECT_EQ(store.lease_info(42, false)->granted_ttl_seconds, 30);
}

TEST_F(LeaseTest, TtlAboveTheMaximumIsRefusedBeforeTheExistenceCheck) {
  ASSERT_TRUE(store.lease_grant(42, 30).ok());
  EXPECT_EQ(store.lease_grant(42, kLeaseTtlMaxSeconds + 1).error(), Error::kLeaseTtlTooLarge);
  EXPECT_TRUE(store.lease_grant(43, kLeaseTtlMaxSeconds).ok());
}

TEST_F(LeaseTest, TtlBelowTheMinimumIsRaised) {
  Store with_minimum(StoreOptions{.lease_ttl_min_seconds = 5});
  EXPECT_EQ(with_minimum.lease_grant(1, 2)->ttl_seconds, 5);
  EXPECT_EQ(with_minimum.lease_grant(2, 9)->ttl_seconds, 9);
  EXPECT_EQ(with_minimum.lease_info(1, false)->granted_ttl_seconds, 5);
  with_minimum.check_invariants();
}

TEST_F(LeaseTest, RevokeDeletesEveryAttachedKeyInOneRevision) {
  ASSERT_TRUE(store.lease_grant(7, 30).ok());
  put("b", "1", 7);  // 2
  put("a", "1", 7);  // 3
  put("free", "1");  // 4
  put("c", "1", 7);  // 5
  Result<LeaseRevokeResponse> response = store.lease_revoke(7);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->revision, 6);
  EXPECT_EQ(store.revision(), 6);
  EXPECT_EQ(keys("a", "z"), std::vector<std::string>({"free"}));
  EXPECT_FALSE(store.lease_exists(7));
  EXPECT_EQ(store.lease_info(7, true).error(), Error::kLeaseNotFound);
}

TEST_F(LeaseTest, RevokeDeletesKeysInByteOrder) {
  ASSERT_TRUE(store.lease_grant(7, 30).ok());
  put("c", "1", 7);
  put("a", "1", 7);
  put("b", "1", 7);
  std::vector<Event> seen;
  store.set_event_sink([&](Revision, const std::vector<Event>& events) { seen = events; });
  ASSERT_TRUE(store.lease_revoke(7).ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].kv.key, "a");
  EXPECT_EQ(seen[1].kv.key, "b");
  EXPECT_EQ(seen[2].kv.key, "c");
}

TEST_F(LeaseTest, RevokeWithoutKeysKeepsTheRevision) {
  ASSERT_TRUE(store.lease_grant(7, 30).ok());
  put("x", "1");
  Result<LeaseRevokeResponse> response = store.lease_revoke(7);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->revision, 2);
}

TEST_F(LeaseTest, RevokeOfAnUnknownLeaseIsLeaseNotFound) {
  EXPECT_EQ(store.lease_revoke(9).error(), Error::kLeaseNotFound);
}

TEST_F(LeaseTest, PutMovesAKeyBetweenLeases) {
  ASSERT_TRUE(store.lease_grant(1, 30).ok());
  ASSERT_TRUE(store.lease_grant(2, 30).ok());
  put("k", "v", 1);
  put("k", "v", 2);
  EXPECT_TRUE(store.lease_info(1, true)->keys.empty());
  EXPECT_EQ(store.lease_info(2, true)->keys, std::vector<std::string>({"k"}));
  put("k", "v");  // no lease: detached
  EXPECT_TRUE(store.lease_info(2, true)->keys.empty());
  ASSERT_TRUE(store.lease_revoke(2).ok());
  EXPECT_EQ(get("k").value, "v");  // no longer attached, so not deleted
}

TEST_F(LeaseTest, InfoListsKeysOnlyWhenAsked) {
  ASSERT_TRUE(store.lease_grant(3, 30).ok());
  put("y", "1", 3);
  put("x", "1", 3);
  EXPECT_TRUE(store.lease_info(3, false)->keys.empty());
  EXPECT_EQ(store.lease_info(3, true)->keys, std::vector<std::string>({"x", "y"}));
}

TEST_F(LeaseTest, ListIsAscending) {
  ASSERT_TRUE(store.lease_grant(30, 1).ok());
  ASSERT_TRUE(store.lease_grant(10, 1).ok());
  ASSERT_TRUE(store.lease_grant(20, 1).ok());
  EXPECT_EQ(store.lease_list(), std::vector<LeaseId>({10, 20, 30}));
}

TEST_F(LeaseTest, NegativeIdsAreGrantedAsEtcdsLessorDoes) {
  ASSERT_TRUE(store.lease_grant(-5, 10).ok());
  put("k", "v", -5);
  EXPECT_EQ(get("k").lease, -5);
  EXPECT_EQ(store.lease_grant(0, 10)->id, 1);
}

TEST_F(LeaseTest, HistoricalRecordsKeepTheirLeaseAfterRevoke) {
  ASSERT_TRUE(store.lease_grant(7, 30).ok());
  put("k", "v", 7);  // 2
  ASSERT_TRUE(store.lease_revoke(7).ok());
  EXPECT_EQ(get("k", 2).lease, 7);
}

TEST_F(LeaseTest, RevokeThenTheSameIdCanBeGrantedAgain) {
  ASSERT_TRUE(store.lease_grant(7, 30).ok());
  ASSERT_TRUE(store.lease_revoke(7).ok());
  EXPECT_TRUE(store.lease_grant(7, 30).ok());
}

}  // namespace
}  // namespace chorus::kv::testing
