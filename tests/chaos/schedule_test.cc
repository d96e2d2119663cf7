#include "chaos/schedule.h"

#include <gtest/gtest.h>

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
  int seen[4] = {0, 0, 0, 0};
  for (const auto& fault : plan) ++seen[static_cast<int>(fault.kind)];
  for (int count : seen) EXPECT_GT(count, 10);
}

TEST(ChaosSchedule, PlanIsBoundedWhateverTheDuration) {
  EXPECT_LE(plan_faults(3, std::chrono::hours(24 * 30), seconds(1)).size(), kMaxPlannedFaults);
}

}  // namespace
}  // namespace chorus::chaos
