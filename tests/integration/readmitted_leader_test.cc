// A member that was removed and added back (same peer URLs, so the same id) can lead while
// another member still holds an older picture in which it is removed: a snapshot taken between
// the removal and the re-addition. A member that restores that snapshot must keep listening to
// its leader, or it never receives the entries that re-admit the leader and stays cut off.
// Found by `chorus chaos` (replace-follower-under-loss, seed 4); this is the same sequence,
// driven step by step so that it happens on every run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

#include "integration/cluster.h"
#include "integration/workload.h"

namespace chorus::testing {
namespace {

constexpr uint64_t kSnapshotCount = 100;

// The index of the newest snapshot member `index` has started, from its log (0 if none).
// (Plain string search: GCC 12's std::regex trips -Wmaybe-uninitialized in the ASan build.)
uint64_t newest_snapshot_index(Cluster& cluster, size_t index) {
  std::ifstream log(cluster.dir() + "/" + cluster.member(index).name + ".log");
  const std::string marker = "snapshot at index ";
  uint64_t newest = 0;
  std::string line;
  while (std::getline(log, line)) {
    const size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    const size_t digits = at + marker.size();
    size_t end = digits;
    while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) ++end;
    if (end == digits || line.compare(end, 8, " started") != 0) continue;
    newest = std::max<uint64_t>(newest, std::stoull(line.substr(digits, end - digits)));
  }
  return newest;
}

uint64_t raft_index(Cluster& cluster, size_t index) {
  auto status = cluster.status(index);
  return status ? status->raftindex() : 0;
}

TEST(ReadmittedLeader, IsHeardByAMemberRestoringASnapshotThatListsItRemoved) {
  ClusterOptions options;
  options.snapshot_count = kSnapshotCount;
  Cluster cluster(options);
  ASSERT_TRUE(cluster.start());
  auto first_leader = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(first_leader.has_value());
  const size_t leader = *first_leader;
  const size_t readmitted = (leader + 1) % cluster.size();
  const size_t rejoiner = (leader + 2) % cluster.size();
  const uint64_t readmitted_id = cluster.status(readmitted)->header().member_id();
  const uint64_t rejoiner_id = cluster.status(rejoiner)->header().member_id();
  std::map<std::string, std::string> written;
  int next_key = 0;
  auto write = [&](size_t via) {
    const std::string key = "readmit/" + std::to_string(next_key++);
    if (!put(cluster, via, key, "v", 5000)) return false;
    written[key] = "v";
    return true;
  };

  // 1. Remove a follower, then write one put at a time until the leader has taken a snapshot
  //    after the removal: that snapshot lists the follower as removed.
  ASSERT_TRUE(remove_member(cluster, leader, readmitted_id).has_value());
  const uint64_t removed_at = raft_index(cluster, leader);
  ASSERT_GT(removed_at, 0u);
  while (newest_snapshot_index(cluster, leader) <= removed_at) {
    ASSERT_LT(next_key, static_cast<int>(3 * kSnapshotCount))
        << "no snapshot; logs in " << cluster.dir();
    ASSERT_TRUE(write(leader));
  }
  const uint64_t snapshot = newest_snapshot_index(cluster, leader);

  // 2. Add it back, wiped: it catches up from that snapshot (the leader's newest, as far fewer
  //    than kSnapshotCount entries follow it), and is promoted.
  ASSERT_TRUE(add_member(cluster, leader, readmitted, /*learner=*/true).has_value());
  cluster.wipe_and_rejoin(readmitted);
  ASSERT_TRUE(promote_member(cluster, leader, readmitted_id, 100)) << "logs in " << cluster.dir();
  ASSERT_EQ(newest_snapshot_index(cluster, leader), snapshot)
      << "the leader took a newer snapshot, so this run would not test the case";

  // 3. Let the readmitted member lead.
  etcdserverpb::MoveLeaderRequest move;
  move.set_targetid(readmitted_id);
  etcdserverpb::MoveLeaderResponse moved;
  auto move_context = deadline_context(10000);
  ASSERT_TRUE(cluster.maintenance(leader).MoveLeader(move_context.get(), move, &moved).ok());
  auto new_leader = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(new_leader.has_value());
  ASSERT_EQ(*new_leader, readmitted);

  // 4. Replace the other follower. Its leader sends it its newest snapshot, the one that lists
  //    the leader as removed; it must still take the leader's entries that follow it.
  ASSERT_TRUE(remove_member(cluster, readmitted, rejoiner_id).has_value());
  ASSERT_TRUE(add_member(cluster, readmitted, rejoiner, /*learner=*/true).has_value());
  cluster.wipe_and_rejoin(rejoiner);
  ASSERT_TRUE(promote_member(cluster, readmitted, rejoiner_id, 100))
      << "the rejoined member never caught up; logs in " << cluster.dir();
  ASSERT_EQ(newest_snapshot_index(cluster, readmitted), 0u)
      << "the leader took a snapshot of its own, so this run did not test the case";
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(write(readmitted));
  EXPECT_EQ(check_converged(cluster, written, "readmit/", std::chrono::seconds(30)), "");
}

}  // namespace
}  // namespace chorus::testing
