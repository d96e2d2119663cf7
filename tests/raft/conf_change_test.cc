// Membership changes computed by Changer (simple and joint), the ConfChange encoding, and
// restoring a configuration from a ConfState.
#include "raft/conf_change.h"

#include <gtest/gtest.h>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::node_ids;

std::set<NodeId> ids(std::initializer_list<uint64_t> list) {
  std::set<NodeId> out;
  for (uint64_t id : list) out.insert(NodeId{id});
  return out;
}

ConfChangeSingle add(uint64_t id) {
  return {ConfChangeType::kAddNode, NodeId{id}};
}
ConfChangeSingle remove(uint64_t id) {
  return {ConfChangeType::kRemoveNode, NodeId{id}};
}
ConfChangeSingle add_learner(uint64_t id) {
  return {ConfChangeType::kAddLearner, NodeId{id}};
}

// A tracker for voters (and learners) restored the way a node starts.
ProgressTracker tracker_with(std::initializer_list<uint64_t> voters,
                             std::initializer_list<uint64_t> learners = {}) {
  ProgressTracker tracker(ProgressLimits{});
  ConfState state;
  state.voters = node_ids(voters);
  state.learners = node_ids(learners);
  EXPECT_EQ(restore_config(state, Index{10}, tracker), std::nullopt);
  return tracker;
}

void adopt(ProgressTracker& tracker, ChangeResult result) {
  tracker.config = std::move(result.config);
  tracker.progress = std::move(result.progress);
}

TEST(Changer, SimpleAddVoterStartsProbingAtTheLastIndex) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).simple({add(4)}, &result), std::nullopt);
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 3, 4}));
  EXPECT_FALSE(result.config.voters.is_joint());
  ASSERT_EQ(result.progress.count(NodeId{4}), 1u);
  const Progress& pr = result.progress.at(NodeId{4});
  EXPECT_EQ(pr.next(), Index{10});
  EXPECT_EQ(pr.match(), Index{0});
  // A new member counts as active so that check-quorum does not depose the leader at once.
  EXPECT_TRUE(pr.recent_active());
  EXPECT_FALSE(pr.is_learner());
  // The tracker itself is untouched until the result is adopted.
  EXPECT_EQ(tracker.config.voters.incoming.voters(), ids({1, 2, 3}));
}

TEST(Changer, SimpleRemoveVoterDropsItsProgress) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).simple({remove(3)}, &result), std::nullopt);
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2}));
  EXPECT_EQ(result.progress.count(NodeId{3}), 0u);
  // Removing a node that is not a member changes nothing.
  ASSERT_EQ(Changer(tracker, Index{10}).simple({remove(7)}, &result), std::nullopt);
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 3}));
}

TEST(Changer, SimpleAddLearnerThenPromote) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).simple({add_learner(4)}, &result), std::nullopt);
  EXPECT_EQ(result.config.learners, ids({4}));
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 3}));
  EXPECT_TRUE(result.progress.at(NodeId{4}).is_learner());
  adopt(tracker, std::move(result));

  ASSERT_EQ(Changer(tracker, Index{12}).simple({add(4)}, &result), std::nullopt);
  EXPECT_TRUE(result.config.learners.empty());
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 3, 4}));
  EXPECT_FALSE(result.progress.at(NodeId{4}).is_learner());
}

TEST(Changer, SimpleDemotionOfAVoterToLearner) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).simple({add_learner(3)}, &result), std::nullopt);
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2}));
  EXPECT_EQ(result.config.learners, ids({3}));
  EXPECT_TRUE(result.progress.at(NodeId{3}).is_learner());
}

TEST(Changer, SimpleRefusesToChangeTwoVoters) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  EXPECT_NE(Changer(tracker, Index{10}).simple({add(4), add(5)}, &result), std::nullopt);
  EXPECT_NE(Changer(tracker, Index{10}).simple({add(4), remove(1)}, &result), std::nullopt);
  // One voter and any number of learners is fine.
  EXPECT_EQ(Changer(tracker, Index{10}).simple({add(4), add_learner(5), add_learner(6)}, &result),
            std::nullopt);
}

TEST(Changer, RemovingEveryVoterIsRefused) {
  ProgressTracker tracker = tracker_with({1});
  ChangeResult result;
  EXPECT_NE(Changer(tracker, Index{10}).simple({remove(1)}, &result), std::nullopt);
  EXPECT_NE(Changer(tracker, Index{10}).simple({add_learner(1)}, &result), std::nullopt);
  ProgressTracker three = tracker_with({1, 2, 3});
  EXPECT_NE(Changer(three, Index{10}).enter_joint(true, {remove(1), remove(2), remove(3)}, &result),
            std::nullopt);
}

TEST(Changer, EnterJointKeepsTheOldMajorityAsOutgoing) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(
      Changer(tracker, Index{10}).enter_joint(/*auto_leave=*/true, {add(4), remove(3)}, &result),
      std::nullopt);
  EXPECT_TRUE(result.config.voters.is_joint());
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 4}));
  EXPECT_EQ(result.config.voters.outgoing.voters(), ids({1, 2, 3}));
  EXPECT_TRUE(result.config.auto_leave);
  // The removed voter still votes in the outgoing half: its progress stays.
  EXPECT_EQ(result.progress.count(NodeId{3}), 1u);
  EXPECT_EQ(result.progress.count(NodeId{4}), 1u);
}

TEST(Changer, JointStateCannotBeEnteredTwiceNorChangedSimply) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).enter_joint(false, {add(4)}, &result), std::nullopt);
  adopt(tracker, std::move(result));
  EXPECT_NE(Changer(tracker, Index{11}).enter_joint(false, {add(5)}, &result), std::nullopt);
  EXPECT_NE(Changer(tracker, Index{11}).simple({add(5)}, &result), std::nullopt);
}

TEST(Changer, LeaveJointOnlyFromAJointState) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  EXPECT_NE(Changer(tracker, Index{10}).leave_joint(&result), std::nullopt);
}

TEST(Changer, LeaveJointDropsVotersThatOnlyTheOutgoingHalfHad) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10})
                .enter_joint(true, {add(4), add(5), remove(2), remove(3)}, &result),
            std::nullopt);
  adopt(tracker, std::move(result));
  ASSERT_EQ(Changer(tracker, Index{11}).leave_joint(&result), std::nullopt);
  EXPECT_FALSE(result.config.voters.is_joint());
  EXPECT_FALSE(result.config.auto_leave);
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 4, 5}));
  EXPECT_EQ(result.progress.count(NodeId{2}), 0u);
  EXPECT_EQ(result.progress.count(NodeId{3}), 0u);
  EXPECT_EQ(result.progress.size(), 3u);
}

TEST(Changer, DemotingAnOutgoingVoterWaitsInLearnersNext) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).enter_joint(true, {add_learner(3), add(4)}, &result),
            std::nullopt);
  // Node 3 still votes in the outgoing half: it cannot be a learner yet.
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 4}));
  EXPECT_EQ(result.config.voters.outgoing.voters(), ids({1, 2, 3}));
  EXPECT_TRUE(result.config.learners.empty());
  EXPECT_EQ(result.config.learners_next, ids({3}));
  EXPECT_FALSE(result.progress.at(NodeId{3}).is_learner());
  adopt(tracker, std::move(result));

  ASSERT_EQ(Changer(tracker, Index{11}).leave_joint(&result), std::nullopt);
  EXPECT_EQ(result.config.learners, ids({3}));
  EXPECT_TRUE(result.config.learners_next.empty());
  EXPECT_TRUE(result.progress.at(NodeId{3}).is_learner());
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 4}));
}

TEST(Changer, PromotingANodeInLearnersNextCancelsTheDemotion) {
  ProgressTracker tracker = tracker_with({1, 2, 3});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).enter_joint(false, {add_learner(3), add(3)}, &result),
            std::nullopt);
  EXPECT_TRUE(result.config.learners_next.empty());
  EXPECT_EQ(result.config.voters.incoming.voters(), ids({1, 2, 3}));
}

TEST(Changer, RemovingALearnerDropsIt) {
  ProgressTracker tracker = tracker_with({1, 2, 3}, {4});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).simple({remove(4)}, &result), std::nullopt);
  EXPECT_TRUE(result.config.learners.empty());
  EXPECT_EQ(result.progress.count(NodeId{4}), 0u);
}

TEST(ConfChange, SimpleOnlyForOneChangeWithTheAutoTransition) {
  bool auto_leave = true;
  ConfChange one{ConfChangeTransition::kAuto, {add(4)}, ""};
  EXPECT_FALSE(one.enters_joint(&auto_leave));
  EXPECT_FALSE(auto_leave);

  ConfChange two{ConfChangeTransition::kAuto, {add(4), remove(1)}, ""};
  EXPECT_TRUE(two.enters_joint(&auto_leave));
  EXPECT_TRUE(auto_leave);

  ConfChange implicit{ConfChangeTransition::kJointImplicit, {add(4)}, ""};
  EXPECT_TRUE(implicit.enters_joint(&auto_leave));
  EXPECT_TRUE(auto_leave);

  ConfChange explicit_joint{ConfChangeTransition::kJointExplicit, {add(4)}, ""};
  EXPECT_TRUE(explicit_joint.enters_joint(&auto_leave));
  EXPECT_FALSE(auto_leave);

  EXPECT_TRUE(ConfChange{}.leaves_joint());
  EXPECT_FALSE(one.leaves_joint());
  EXPECT_EQ(to_string(ConfChange{}), "leave-joint");
  EXPECT_EQ(to_string(two), "add(4),remove(1)");
}

TEST(ConfChange, EncodeDecodeRoundTrips) {
  const ConfChange cases[] = {
      ConfChange{},
      ConfChange{ConfChangeTransition::kAuto, {add(4)}, ""},
      ConfChange{ConfChangeTransition::kJointExplicit,
                 {add(4), remove(1), add_learner(UINT64_MAX)},
                 std::string("url\0with\nbytes\xff", 15)},
      ConfChange{ConfChangeTransition::kJointImplicit, {}, "context only"},
  };
  for (const ConfChange& change : cases) {
    auto decoded = decode_conf_change(encode(change));
    ASSERT_TRUE(decoded.has_value()) << to_string(change);
    EXPECT_EQ(*decoded, change) << to_string(change);
  }
}

TEST(ConfChange, DecodeRejectsGarbage) {
  const std::string good = encode(ConfChange{ConfChangeTransition::kAuto, {add(4)}, "ctx"});
  EXPECT_EQ(decode_conf_change(""), std::nullopt);
  EXPECT_EQ(decode_conf_change("CCv"), std::nullopt);
  EXPECT_EQ(decode_conf_change("hello world, not a conf change"), std::nullopt);
  // Every truncation of a valid encoding is rejected, and so is trailing garbage.
  for (size_t length = 0; length < good.size(); ++length) {
    EXPECT_EQ(decode_conf_change(good.substr(0, length)), std::nullopt) << length;
  }
  EXPECT_EQ(decode_conf_change(good + "x"), std::nullopt);
  // Unknown transition and change type.
  std::string bad_transition = good;
  bad_transition[4] = 3;
  EXPECT_EQ(decode_conf_change(bad_transition), std::nullopt);
  std::string bad_type = good;
  bad_type[4 + 1 + 8] = 9;
  EXPECT_EQ(decode_conf_change(bad_type), std::nullopt);
  // A change count larger than the data could hold is rejected before allocating.
  std::string huge_count = good;
  for (int i = 0; i < 8; ++i) huge_count[5 + i] = static_cast<char>(0xff);
  EXPECT_EQ(decode_conf_change(huge_count), std::nullopt);
}

TEST(RestoreConfig, RoundTripsThroughConfState) {
  ProgressTracker tracker = tracker_with({1, 2, 3}, {7});
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).enter_joint(true, {add_learner(3), add(4)}, &result),
            std::nullopt);
  adopt(tracker, std::move(result));
  const ConfState state = tracker.config.to_conf_state();
  EXPECT_EQ(state.voters, node_ids({1, 2, 4}));
  EXPECT_EQ(state.voters_outgoing, node_ids({1, 2, 3}));
  EXPECT_EQ(state.learners, node_ids({7}));
  EXPECT_EQ(state.learners_next, node_ids({3}));
  EXPECT_TRUE(state.auto_leave);

  ProgressTracker restored(ProgressLimits{});
  ASSERT_EQ(restore_config(state, Index{20}, restored), std::nullopt);
  EXPECT_EQ(restored.config.to_conf_state(), state);
  EXPECT_EQ(restored.config.to_string(), tracker.config.to_string());
  EXPECT_EQ(restored.progress.size(), 5u);  // 1, 2, 3, 4 and learner 7
  EXPECT_TRUE(restored.progress.at(NodeId{7}).is_learner());
}

TEST(RestoreConfig, RejectsInconsistentStates) {
  ProgressTracker tracker(ProgressLimits{});
  ConfState both;
  both.voters = node_ids({1, 2});
  both.learners = node_ids({2});
  EXPECT_NE(restore_config(both, Index{1}, tracker), std::nullopt);
  ConfState next_not_outgoing;
  next_not_outgoing.voters = node_ids({1, 2});
  next_not_outgoing.learners_next = node_ids({3});
  EXPECT_NE(restore_config(next_not_outgoing, Index{1}, tracker), std::nullopt);
}

TEST(Config, DescribesItself) {
  ProgressTracker tracker = tracker_with({1, 2, 3}, {4});
  EXPECT_EQ(tracker.config.to_string(), "voters=(1 2 3) learners=(4)");
  ChangeResult result;
  ASSERT_EQ(Changer(tracker, Index{10}).enter_joint(true, {add_learner(3)}, &result), std::nullopt);
  EXPECT_EQ(result.config.to_string(),
            "voters=(1 2)&&(1 2 3) learners=(4) learners_next=(3) autoleave");
}

}  // namespace
}  // namespace chorus::raft
