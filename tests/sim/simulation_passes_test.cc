// The correct core passes every check on every cluster size the simulator supports, and the
// runs actually exercise what they claim to (faults injected, operations checked, leaders
// elected), so a pass is not an empty pass.
#include <gtest/gtest.h>

#include "sim/simulation.h"

namespace chorus::sim {
namespace {

TEST(Simulation, PassesOnEveryClusterSizeFromThreeToSeven) {
  for (size_t nodes = 3; nodes <= 7; ++nodes) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      SimOptions options;
      options.seed = seed * 1000 + nodes;
      options.nodes = nodes;
      const SeedResult result = run_seed(options);
      EXPECT_TRUE(result.passed) << "seed " << options.seed << " nodes " << nodes << ": "
                                 << result.failure;
      EXPECT_EQ(result.nodes, nodes);
    }
  }
}

TEST(Simulation, RunsExerciseFaultsClientsAndElections) {
  uint64_t faults = 0, operations = 0, leaders = 0, applied = 0;
  std::map<std::string, uint64_t> kinds;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    SimOptions options;
    options.seed = seed;
    const SeedResult result = run_seed(options);
    ASSERT_TRUE(result.passed) << "seed " << seed << ": " << result.failure;
    for (const auto& [name, count] : result.faults) {
      faults += count;
      kinds[name] += count;
    }
    operations += result.operations_checked;
    leaders += result.leaders_elected;
    applied += result.entries_applied;
  }
  EXPECT_GT(operations, 5000u);
  EXPECT_GT(leaders, 100u);
  EXPECT_GT(applied, 2000u);
  EXPECT_GT(faults, 300u);
  for (const char* kind :
       {"crash", "crash-mid-persist", "pause", "partition", "network", "membership", "transfer"}) {
    EXPECT_GT(kinds[kind], 0u) << "no " << kind << " fault in 50 seeds";
  }
}

}  // namespace
}  // namespace chorus::sim
