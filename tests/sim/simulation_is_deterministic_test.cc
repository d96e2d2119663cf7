// A seed must replay byte for byte: that is what makes a failing seed debuggable.
#include <gtest/gtest.h>

#include "sim/simulation.h"

namespace chorus::sim {
namespace {

SeedResult traced_run(uint64_t seed, size_t nodes) {
  SimOptions options;
  options.seed = seed;
  options.nodes = nodes;
  options.trace = true;
  return run_seed(options);
}

TEST(SimulationDeterminism, TheSameSeedReplaysByteForByte) {
  for (uint64_t seed : {3u, 17u, 99u}) {
    const SeedResult first = traced_run(seed, 0);
    const SeedResult second = traced_run(seed, 0);
    ASSERT_FALSE(first.trace.empty());
    EXPECT_EQ(first.trace, second.trace) << "seed " << seed;
    EXPECT_EQ(first.faults, second.faults);
    EXPECT_EQ(first.operations_checked, second.operations_checked);
    EXPECT_EQ(first.entries_applied, second.entries_applied);
    EXPECT_EQ(first.passed, second.passed);
  }
}

TEST(SimulationDeterminism, DifferentSeedsTakeDifferentPaths) {
  EXPECT_NE(traced_run(5, 5).trace, traced_run(6, 5).trace);
}

TEST(SimulationDeterminism, TracingDoesNotChangeTheRun) {
  SimOptions quiet;
  quiet.seed = 42;
  const SeedResult untraced = run_seed(quiet);
  const SeedResult traced = traced_run(42, 0);
  EXPECT_EQ(untraced.entries_applied, traced.entries_applied);
  EXPECT_EQ(untraced.operations_checked, traced.operations_checked);
  EXPECT_EQ(untraced.faults, traced.faults);
}

}  // namespace
}  // namespace chorus::sim
