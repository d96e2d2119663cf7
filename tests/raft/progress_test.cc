// Progress: the leader's view of one follower (nextIndex, matchIndex) and the replication mode.
#include "raft/progress.h"

#include <gtest/gtest.h>

namespace chorus::raft {
namespace {

Progress make_progress(uint64_t next, size_t max_inflight = 4) {
  return Progress(Index{next}, ProgressLimits{max_inflight, 0}, /*is_learner=*/false);
}

TEST(Progress, StartsInProbeWithOneProbeAtATime) {
  Progress pr = make_progress(5);
  EXPECT_EQ(pr.state(), ProgressState::kProbe);
  EXPECT_EQ(pr.match(), Index{0});
  EXPECT_EQ(pr.next(), Index{5});
  EXPECT_FALSE(pr.is_paused());
  pr.sent_entries(Index{7}, 2, 100);
  // A probe does not move next: the follower may reject it.
  EXPECT_EQ(pr.next(), Index{5});
  EXPECT_TRUE(pr.probe_sent());
  EXPECT_TRUE(pr.is_paused());
  pr.resume_probe();  // a heartbeat response
  EXPECT_FALSE(pr.is_paused());
}

TEST(Progress, MaybeUpdateRaisesMatchAndNextOnlyForward) {
  Progress pr = make_progress(5);
  pr.sent_probe();
  EXPECT_TRUE(pr.maybe_update(Index{6}));
  EXPECT_EQ(pr.match(), Index{6});
  EXPECT_EQ(pr.next(), Index{7});
  EXPECT_FALSE(pr.probe_sent());  // the probe was answered
  EXPECT_FALSE(pr.maybe_update(Index{4}));
  EXPECT_EQ(pr.match(), Index{6});
  EXPECT_EQ(pr.next(), Index{7});
}

TEST(Progress, ReplicatePipelinesUntilTheInflightBound) {
  Progress pr = make_progress(5, /*max_inflight=*/2);
  pr.maybe_update(Index{4});
  pr.become_replicate();
  EXPECT_EQ(pr.next(), Index{5});
  pr.sent_entries(Index{6}, 2, 10);
  EXPECT_EQ(pr.next(), Index{7});  // optimistic: next moves past what was sent
  EXPECT_FALSE(pr.is_paused());
  pr.sent_entries(Index{8}, 2, 10);
  EXPECT_EQ(pr.next(), Index{9});
  EXPECT_TRUE(pr.is_paused());
  // An empty append (a probe of the commit index) takes no inflight slot.
  pr.inflights().free_up_to(Index{6});
  pr.sent_entries(Index{8}, 0, 0);
  EXPECT_EQ(pr.inflights().count(), 1u);
  EXPECT_FALSE(pr.is_paused());
}

TEST(Progress, ReplicateRejectionAtOrBelowMatchIsStale) {
  Progress pr = make_progress(5);
  pr.maybe_update(Index{6});
  pr.become_replicate();
  pr.sent_entries(Index{10}, 4, 40);
  EXPECT_FALSE(pr.maybe_decrease_to(Index{6}, Index{6}));
  EXPECT_FALSE(pr.maybe_decrease_to(Index{3}, Index{0}));
  EXPECT_EQ(pr.next(), Index{11});
  // A genuine rejection falls back to just after match (the hint is for probing).
  EXPECT_TRUE(pr.maybe_decrease_to(Index{8}, Index{7}));
  EXPECT_EQ(pr.next(), Index{7});
}

TEST(Progress, ProbeRejectionCountsOnlyForTheLastProbe) {
  Progress pr = make_progress(10);
  pr.sent_probe();
  // next-1 = 9 was probed; a rejection of 7 is from an earlier round.
  EXPECT_FALSE(pr.maybe_decrease_to(Index{7}, Index{3}));
  EXPECT_EQ(pr.next(), Index{10});
  EXPECT_TRUE(pr.probe_sent());
  // Rejection of 9 with hint 4: retry from 5, and the next probe may go out.
  EXPECT_TRUE(pr.maybe_decrease_to(Index{9}, Index{4}));
  EXPECT_EQ(pr.next(), Index{5});
  EXPECT_FALSE(pr.probe_sent());
}

TEST(Progress, ProbeRejectionNeverGoesBelowMatchOrAboveTheRejectedIndex) {
  Progress pr = make_progress(10);
  pr.maybe_update(Index{5});  // match 5, next 10 (unchanged: already beyond)
  ASSERT_EQ(pr.next(), Index{10});
  EXPECT_TRUE(pr.maybe_decrease_to(Index{9}, Index{1}));
  EXPECT_EQ(pr.next(), Index{6});  // hint below match: clamped to match+1
  Progress other = make_progress(10);
  EXPECT_TRUE(other.maybe_decrease_to(Index{9}, Index{50}));
  EXPECT_EQ(other.next(), Index{9});  // hint above the rejected index: retry the rejected one
}

TEST(Progress, SnapshotStatePausesAndProbesAfterTheSnapshot) {
  Progress pr = make_progress(3);
  pr.become_snapshot(Index{20});
  EXPECT_EQ(pr.state(), ProgressState::kSnapshot);
  EXPECT_EQ(pr.pending_snapshot(), Index{20});
  EXPECT_TRUE(pr.is_paused());
  pr.set_snapshot_offset(100);
  EXPECT_EQ(pr.snapshot_offset(), 100u);
  pr.become_probe();
  EXPECT_EQ(pr.state(), ProgressState::kProbe);
  // The follower holds at least the snapshot now.
  EXPECT_EQ(pr.next(), Index{21});
  EXPECT_EQ(pr.pending_snapshot(), Index{0});
  EXPECT_EQ(pr.snapshot_offset(), 0u);
  EXPECT_FALSE(pr.is_paused());
}

TEST(Progress, BecomeProbeFromReplicateRestartsAfterMatch) {
  Progress pr = make_progress(5);
  pr.maybe_update(Index{6});
  pr.become_replicate();
  pr.sent_entries(Index{12}, 6, 60);
  pr.become_probe();
  EXPECT_EQ(pr.next(), Index{7});
  EXPECT_EQ(pr.inflights().count(), 0u);
}

TEST(Progress, LearnerFlagAndDescription) {
  Progress pr(Index{3}, ProgressLimits{}, /*is_learner=*/true);
  EXPECT_TRUE(pr.is_learner());
  EXPECT_NE(pr.to_string().find("learner"), std::string::npos);
  EXPECT_NE(pr.to_string().find("probe"), std::string::npos);
  pr.set_learner(false);
  EXPECT_FALSE(pr.is_learner());
  pr.become_snapshot(Index{9});
  EXPECT_NE(pr.to_string().find("snapshot=9"), std::string::npos);
}

}  // namespace
}  // namespace chorus::raft
