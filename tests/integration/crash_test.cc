// Storage under kill -9 (issue 3): a 3-member cluster of real processes under concurrent write
// load; again and again, at random moments, kill -9 one member (sometimes the leader) or all
// three at once, and restart them. At the end every acknowledged write is present with its
// value on every member, and all members report the same HashKV.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "integration/cluster.h"
#include "integration/workload.h"

namespace chorus::testing {
namespace {

int cycles() {
  const char* text = std::getenv("CHORUS_CRASH_CYCLES");
  return text != nullptr ? std::atoi(text) : 50;
}

TEST(Crash, KillNineAtRandomMomentsLosesNoAcknowledgedWrite) {
  ClusterOptions options;
  options.snapshot_count = 500;  // snapshots and WAL release happen during the run too
  Cluster cluster(options);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.wait_for_leader(std::chrono::seconds(20)).has_value());

  const uint64_t seed = std::random_device{}();
  std::mt19937_64 random(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  Writers writers(cluster, "crash/", 4);
  int leader_kills = 0;
  int whole_cluster_kills = 0;
  for (int cycle = 0; cycle < cycles(); ++cycle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 300));
    const int choice = static_cast<int>(random() % 10);
    std::vector<size_t> victims;
    if (choice < 2) {
      victims = {0, 1, 2};
      ++whole_cluster_kills;
    } else if (choice < 6) {
      auto leader = cluster.wait_for_leader(std::chrono::seconds(10));
      victims = {leader.value_or(random() % 3)};
      leader_kills += leader.has_value();
    } else {
      victims = {static_cast<size_t>(random() % 3)};
    }
    for (size_t v : victims) cluster.kill(v);
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 200));
    for (size_t v : victims) cluster.restart(v);
  }
  ASSERT_TRUE(cluster.wait_for_leader(std::chrono::seconds(20)).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  writers.stop();
  const auto acked = writers.acknowledged();
  std::cout << "crash test: " << cycles() << " cycles (" << leader_kills << " leader kills, "
            << whole_cluster_kills << " whole-cluster kills), " << acked.size() << " of "
            << writers.attempted() << " writes acknowledged\n";
  EXPECT_GT(acked.size(), 100u);
  EXPECT_EQ(check_converged(cluster, acked, "crash/", std::chrono::seconds(30)), "");
}

}  // namespace
}  // namespace chorus::testing
