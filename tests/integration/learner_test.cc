// A fourth real member joins as a learner after the log was compacted, so it can only catch up
// through a snapshot; it is then promoted and counts as a voter.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "integration/cluster.h"
#include "integration/workload.h"

namespace chorus::testing {
namespace {

TEST(Learner, JoinsThroughSnapshotAndIsPromoted) {
  ClusterOptions options;
  options.snapshot_count = 50;  // snapshots (and log compaction) every 50 entries
  Cluster cluster(options);
  ASSERT_TRUE(cluster.start());
  auto leader = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(leader.has_value());
  std::map<std::string, std::string> written;
  for (int i = 0; i < 300; ++i) {
    const std::string key = "before/" + std::to_string(i);
    ASSERT_TRUE(put(cluster, *leader, key, "v" + std::to_string(i), 5000));
    written[key] = "v" + std::to_string(i);
  }

  const size_t joiner = cluster.prepare_joiner("m4");
  auto added = add_member(cluster, *leader, joiner, /*learner=*/true);
  ASSERT_TRUE(added.has_value());
  EXPECT_TRUE(added->member().islearner());
  EXPECT_EQ(added->members_size(), 4);
  cluster.launch_joiner(joiner);

  // Caught up: the learner serves (serializable) every key written before it existed.
  std::optional<std::map<std::string, std::string>> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    seen = read_prefix(cluster, joiner, "before/", /*serializable=*/true);
    if (seen && seen->size() == written.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(seen.has_value()) << "learner never answered; logs in " << cluster.dir();
  EXPECT_EQ(*seen, written);
  std::ifstream log(cluster.dir() + "/m4.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("snapshot"), std::string::npos) << "the learner did not install a snapshot";

  // Promote (the leader refuses until the learner is in sync: retry for a while).
  ASSERT_TRUE(promote_member(cluster, *leader, added->member().id(), 50));
  // Asked linearizably: the leader answered the promotion once it applied it, but the new
  // voter's own applied state learns of that commit only with the leader's next message, and a
  // plain MemberList is served from it (as etcd's is).
  etcdserverpb::MemberListRequest linearizable;
  linearizable.set_linearizable(true);
  etcdserverpb::MemberListResponse list;
  auto list_context = deadline_context(5000);
  ASSERT_TRUE(cluster.cluster(joiner).MemberList(list_context.get(), linearizable, &list).ok());
  ASSERT_EQ(list.members_size(), 4);
  for (const auto& member : list.members()) EXPECT_FALSE(member.islearner()) << member.name();

  // Four voters: with two members down, no quorum; with one down, writes go on.
  cluster.kill((*leader + 1) % 3);
  auto next = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(next.has_value());
  EXPECT_TRUE(put(cluster, *next, "after/promotion", "yes", 5000));
  EXPECT_EQ(
      check_converged(cluster, {{"after/promotion", "yes"}}, "after/", std::chrono::seconds(20)),
      "");
}

}  // namespace
}  // namespace chorus::testing
