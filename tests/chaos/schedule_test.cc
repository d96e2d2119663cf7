#include "chaos/schedule.h"

#include <gtest/gtest.h>

#include <map>

namespace chorus::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool same(const std::vector<PlannedFault>& a, const std::vector<PlannedFault>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].start != b[i].start || a[i].duration != b[i].duration || a[i].kind != b[i].kind ||
        a[i].pick != b[i].pick) {
      return false;
    }
  }
  return true;
}

TEST(ChaosSchedule, SameSeedGivesTheSamePlan) {
  const auto a = plan_faults(42, seconds(120), seconds(8));
  const auto b = plan_faults(42, seconds(120), seconds(8));
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(same(a, b));
}

TEST(ChaosSchedule, AnotherSeedGivesAnotherPlan) {
  EXPECT_FALSE(
      same(plan_faults(1, seconds(120), seconds(8)), plan_faults(2, seconds(120), seconds(8))));
}

TEST(ChaosSchedule, PinnedPlanForSeedOne) {
  // The CI run (chorus chaos --seed 1) replays this plan on every platform: a change to the
  // generator or the drawing must be deliberate.
  const auto plan = plan_faults(1, seconds(40), seconds(8));
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].start, milliseconds(3000));
  EXPECT_EQ(plan[1].start, milliseconds(11000));
  SeededRandom random(1);
  const uint64_t first = random.next();
  EXPECT_EQ(SeededRandom(1).next(), first);
  EXPECT_NE(SeededRandom(2).next(), first);
}

TEST(ChaosSchedule, FaultsNeverOverlapAndHealBeforeTheEnd) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const auto plan = plan_faults(seed, seconds(60), seconds(5));
    ASSERT_FALSE(plan.empty());
    for (size_t i = 0; i < plan.size(); ++i) {
      EXPECT_GE(plan[i].duration, milliseconds(2000)) << seed;  // 40% of 5 s
      EXPECT_LE(plan[i].start + plan[i].duration + milliseconds(2000), seconds(60)) << seed;
      if (i > 0) {
        EXPECT_LE(plan[i - 1].start + plan[i - 1].duration, plan[i].start) << seed;
      }
    }
  }
}

TEST(ChaosSchedule, EveryKindIsDrawn) {
  const auto plan = plan_faults(7, seconds(3600), seconds(5));
  std::map<FaultKind, int> seen;
  for (const auto& fault : plan) ++seen[fault.kind];
  for (FaultKind kind : {FaultKind::kKillLeader, FaultKind::kKillFollower, FaultKind::kPauseLeader,
                         FaultKind::kPauseFollower, FaultKind::kReplaceFollower}) {
    EXPECT_GT(seen[kind], 10) << fault_name(kind);
  }
}

TEST(ChaosSchedule, LoopbackPlansHoldNoNetworkOrDiskFaults) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (const auto& fault : plan_faults(seed, seconds(600), seconds(5))) {
      EXPECT_FALSE(needs_network(fault.kind)) << seed;
      EXPECT_NE(fault.kind, FaultKind::kDiskFull) << seed;
    }
  }
}

TEST(ChaosSchedule, NetworkMenuDrawsEveryNetworkKindAndStillProcessFaults) {
  FaultMenu menu;
  menu.network = true;
  menu.disk = true;
  const auto plan = plan_faults(7, seconds(3600), seconds(5), menu);
  std::map<FaultKind, int> seen;
  for (const auto& fault : plan) ++seen[fault.kind];
  for (FaultKind kind :
       {FaultKind::kKillLeader, FaultKind::kPauseFollower, FaultKind::kReplaceFollower,
        FaultKind::kReplaceFollowerUnderLoss, FaultKind::kDiskFull, FaultKind::kPartitionLeader,
        FaultKind::kPartitionHalves, FaultKind::kPartitionBridge, FaultKind::kPartitionOneWay,
        FaultKind::kPacketLoss}) {
    EXPECT_GT(seen[kind], 10) << fault_name(kind);
  }
  // Without netem, the degraded network is never planned; with it, it is.
  EXPECT_EQ(seen[FaultKind::kNetworkDegraded], 0);
  menu.netem = true;
  int degraded = 0;
  for (const auto& fault : plan_faults(7, seconds(3600), seconds(5), menu))
    degraded += fault.kind == FaultKind::kNetworkDegraded;
  EXPECT_GT(degraded, 10);
}

TEST(ChaosSchedule, OnlyTheFaultsAskedForArePlanned) {
  FaultMenu menu;
  menu.network = true;
  menu.only = {FaultKind::kPartitionLeader, FaultKind::kPartitionHalves};
  std::map<FaultKind, int> seen;
  for (const auto& fault : plan_faults(5, seconds(600), seconds(4), menu)) ++seen[fault.kind];
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_GT(seen[FaultKind::kPartitionLeader], 20);
  EXPECT_GT(seen[FaultKind::kPartitionHalves], 20);
}

TEST(ChaosSchedule, EveryKindIsNamedAndFoundByItsName) {
  for (FaultKind kind : all_fault_kinds()) {
    const auto found = fault_kind_named(fault_name(kind));
    ASSERT_TRUE(found.has_value()) << fault_name(kind);
    EXPECT_EQ(*found, kind);
  }
  EXPECT_EQ(all_fault_kinds().size(), 13u);
  EXPECT_FALSE(fault_kind_named("partition").has_value());
}

TEST(ChaosSchedule, PlanIsBoundedWhateverTheDuration) {
  EXPECT_LE(plan_faults(3, std::chrono::hours(24 * 30), seconds(1)).size(), kMaxPlannedFaults);
}

}  // namespace
}  // namespace chorus::chaos
