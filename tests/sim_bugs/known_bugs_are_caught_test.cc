// Proves the simulator's checks can fail: each known Raft bug, switched on in a test-only build
// of the core, must be caught within the default seed budget. A checker that passes a buggy
// core proves nothing about a correct one.
#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>

#include "raft/bugs.h"
#include "sim/simulation.h"

namespace chorus::sim {
namespace {

using raft::Bug;

// The seed budget each bug must be caught within (the first seeds of the default range).
constexpr uint64_t kSeedBudget = 2000;

struct BugCase {
  Bug bug;
  const char* expected_check;  // a substring of the failure, naming the check that caught it
};

// Named in test output by the bug, not by its bytes.
void PrintTo(const BugCase& bug_case, std::ostream* out) {
  *out << raft::to_string(bug_case.bug);
}

class KnownBugTest : public ::testing::TestWithParam<BugCase> {
 protected:
  void TearDown() override { raft::set_active_bug(Bug::kNone); }
};

TEST_P(KnownBugTest, IsCaughtWithinTheSeedBudget) {
  const BugCase& param = GetParam();
  raft::set_active_bug(param.bug);
  uint64_t caught_at = 0;
  std::string failure;
  for (uint64_t seed = 1; seed <= kSeedBudget && caught_at == 0; ++seed) {
    SimOptions options;
    options.seed = seed;
    const SeedResult result = run_seed(options);
    if (!result.passed) {
      caught_at = seed;
      failure = result.failure;
    }
  }
  ASSERT_NE(caught_at, 0u) << "bug " << raft::to_string(param.bug) << " survived " << kSeedBudget
                           << " seeds";
  std::printf("bug %s caught at seed %llu: %s\n", raft::to_string(param.bug),
              static_cast<unsigned long long>(caught_at), failure.substr(0, 200).c_str());
  if (param.expected_check[0] != '\0') {
    EXPECT_NE(failure.find(param.expected_check), std::string::npos) << failure;
  }
}

TEST(KnownBugControl, TheSameSeedsPassWithoutAnyBug) {
  raft::set_active_bug(Bug::kNone);
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    SimOptions options;
    options.seed = seed;
    const SeedResult result = run_seed(options);
    EXPECT_TRUE(result.passed) << "seed " << seed << ": " << result.failure;
  }
}

INSTANTIATE_TEST_SUITE_P(AllKnownBugs, KnownBugTest,
                         ::testing::Values(BugCase{Bug::kCommitEarlierTerm, "commit safety"},
                                           BugCase{Bug::kVoteWithoutLogCheck, ""},
                                           BugCase{Bug::kReplyBeforePersist, ""},
                                           BugCase{Bug::kReadWithoutReadIndex, "linearizability"},
                                           BugCase{Bug::kNonVoterVotes, ""}),
                         [](const ::testing::TestParamInfo<BugCase>& param_info) {
                           std::string name = raft::to_string(param_info.param.bug);
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace chorus::sim
