// A 3-member cluster of real processes loses its leader to kill -9 in the middle of a write load:
// writes continue on the new leader and no acknowledged write is lost.
#include <gtest/gtest.h>

#include <thread>

#include "integration/cluster.h"
#include "integration/workload.h"

namespace chorus::testing {
namespace {

TEST(Failover, LeaderKilledMidLoadLosesNoAcknowledgedWrite) {
  Cluster cluster(ClusterOptions{});
  ASSERT_TRUE(cluster.start());
  auto leader = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(leader.has_value()) << "no leader; logs in " << cluster.dir();

  Writers writers(cluster, "load/", 3);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const size_t before_kill = writers.acknowledged_count();
  cluster.kill(*leader);
  auto next = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(next.has_value()) << "no new leader after the kill";
  EXPECT_NE(*next, *leader);
  // Writes continue: within a few seconds (a writer may first sit out the 1.5 s deadline of a
  // request that the dead leader will never answer).
  const size_t at_new_leader = writers.acknowledged_count();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (writers.acknowledged_count() <= at_new_leader &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(writers.acknowledged_count(), at_new_leader) << "writes did not continue";
  cluster.restart(*leader);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  writers.stop();

  EXPECT_GT(before_kill, 0u);
  const auto acked = writers.acknowledged();
  EXPECT_EQ(check_converged(cluster, acked, "load/", std::chrono::seconds(20)), "");
}

TEST(Failover, MemberRemovedClusterCarriesOn) {
  Cluster cluster(ClusterOptions{});
  ASSERT_TRUE(cluster.start());
  auto leader = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(leader.has_value());
  const size_t follower = (*leader + 1) % cluster.size();
  const uint64_t follower_id = cluster.status(follower)->header().member_id();

  auto removed = remove_member(cluster, *leader, follower_id);
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->members_size(), 2);
  cluster.kill(follower);

  const size_t survivor = (*leader + 2) % cluster.size();
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(put(cluster, survivor, "after-remove/" + std::to_string(i), "x", 5000));
  }
  etcdserverpb::MemberListResponse list;
  auto list_context = deadline_context(5000);
  ASSERT_TRUE(cluster.cluster(survivor).MemberList(list_context.get(), {}, &list).ok());
  EXPECT_EQ(list.members_size(), 2);
  for (const auto& member : list.members()) EXPECT_NE(member.id(), follower_id);
  EXPECT_EQ(check_converged(cluster, {}, "after-remove/", std::chrono::seconds(20)), "");
}

}  // namespace
}  // namespace chorus::testing
