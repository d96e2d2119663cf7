// The documented recovery of a member whose disk is lost or damaged (docs/operations.md): remove
// it, wipe it, add it back as a learner with the same peer URLs, start it empty as joining, let
// it catch up from the leader, promote it. Nothing acknowledged is lost and it serves again.
#include <gtest/gtest.h>

#include "integration/cluster.h"
#include "integration/workload.h"

namespace chorus::testing {
namespace {

// Removes a follower, writes, adds it back as a learner with its old peer URLs, starts it wiped
// and promotes it; nothing acknowledged is lost and every member (the rejoined one too) serves.
void rejoin_after_wipe(uint64_t snapshot_count) {
  ClusterOptions options;
  options.snapshot_count = snapshot_count;
  Cluster cluster(options);
  ASSERT_TRUE(cluster.start());
  auto leader = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(leader.has_value());
  std::map<std::string, std::string> written;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "rec/" + std::to_string(i);
    ASSERT_TRUE(put(cluster, *leader, key, "v", 5000));
    written[key] = "v";
  }
  const size_t victim = (*leader + 1) % cluster.size();
  const uint64_t victim_id = cluster.status(victim)->header().member_id();

  ASSERT_TRUE(remove_member(cluster, *leader, victim_id).has_value());
  for (int i = 200; i < 220; ++i) {
    const std::string key = "rec/" + std::to_string(i);
    ASSERT_TRUE(put(cluster, *leader, key, "v", 5000));
    written[key] = "v";
  }

  auto added = add_member(cluster, *leader, victim, /*learner=*/true);
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->member().id(), victim_id) << "the same peer URLs give the same id";
  cluster.wipe_and_rejoin(victim);
  ASSERT_TRUE(promote_member(cluster, *leader, victim_id, 100)) << "logs in " << cluster.dir();
  EXPECT_EQ(check_converged(cluster, written, "rec/", std::chrono::seconds(30)), "");
}

TEST(Recovery, WipedMemberRejoinsWithItsOldUrlsAndCatchesUpBySnapshot) {
  rejoin_after_wipe(50);  // the log it needs is compacted: it catches up by snapshot
}

TEST(Recovery, WipedMemberRejoinsWithItsOldUrlsAndCatchesUpByReplayingTheLog) {
  // The whole log is kept, so the empty member replays its own old removal and then its
  // re-addition (same id): it must come out a member that serves, not a removed one.
  rejoin_after_wipe(100000);
}

}  // namespace
}  // namespace chorus::testing
