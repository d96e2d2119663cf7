// Membership changes driven through the whole core: learners, promotion, removal (of the
// leader too), joint consensus, and the rules for when a leader accepts a change.
#include <gtest/gtest.h>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::is_type;
using testing::is_type_from;
using testing::Network;
using testing::NetworkOptions;

ConfChange single(ConfChangeType type, uint64_t node) {
  ConfChange change;
  change.changes.push_back({type, NodeId{node}});
  return change;
}

std::set<NodeId> voters_of(const Raft& raft) {
  return raft.tracker().config.voters.incoming.voters();
}

std::set<NodeId> ids(std::initializer_list<uint64_t> list) {
  std::set<NodeId> out;
  for (uint64_t id : list) out.insert(NodeId{id});
  return out;
}

TEST(Membership, LearnerCatchesUpWithoutVotingThenIsPromoted) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(1, "a").ok());
  network.add_empty(NodeId{4});
  ASSERT_TRUE(network.propose_conf_change(1, single(ConfChangeType::kAddLearner, 4)).ok());
  ASSERT_TRUE(network.propose(1, "b").ok());
  // The learner starts from nothing, gets the leader's snapshot, then the log, and applies
  // the change that added it like everyone else.
  EXPECT_EQ(network.node(4).state, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(network.raft(4).tracker().config.learners, ids({4}));
  EXPECT_EQ(network.raft(1).tracker().config.learners, ids({4}));
  EXPECT_EQ(network.raft(1).tracker().progress.at(NodeId{4}).match(),
            network.raft(1).log().last_index());

  // A learner's copy does not count towards commitment.
  network.isolate(2);
  network.isolate(3);
  const Index commit = network.raft(1).log().committed();
  ASSERT_TRUE(network.propose(1, "c").ok());
  EXPECT_EQ(network.raft(4).log().last_index(), network.raft(1).log().last_index());
  EXPECT_EQ(network.raft(1).log().committed(), commit);
  network.heal();
  network.tick_all();
  EXPECT_EQ(network.node(1).state.back(), "c");

  // Promoted, it is a voter: 1, 2 and 4 are a majority of four.
  ASSERT_TRUE(network.propose_conf_change(1, single(ConfChangeType::kAddNode, 4)).ok());
  EXPECT_EQ(voters_of(network.raft(1)), ids({1, 2, 3, 4}));
  EXPECT_EQ(voters_of(network.raft(4)), ids({1, 2, 3, 4}));
  EXPECT_TRUE(network.raft(4).tracker().config.learners.empty());
  network.isolate(3);
  ASSERT_TRUE(network.propose(1, "d").ok());
  EXPECT_EQ(network.node(4).state.back(), "d");
  EXPECT_EQ(network.node(1).state.back(), "d");
}

TEST(Membership, LearnersAreNotAskedToVote) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.add_empty(NodeId{4});
  ASSERT_TRUE(network.propose_conf_change(1, single(ConfChangeType::kAddLearner, 4)).ok());
  network.clear_sent();
  network.isolate(1);
  network.tick_all(40);
  ASSERT_NE(network.leader(), kNoNode);
  EXPECT_EQ(network.count_sent([](const Message& m) {
    return (m.type == MessageType::kPreVote || m.type == MessageType::kVote) && m.to == NodeId{4};
  }),
            0u);
  EXPECT_EQ(network.raft(4).role(), Role::kFollower);
}

TEST(Membership, RemovedFollowerNoLongerCounts) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose_conf_change(1, single(ConfChangeType::kRemoveNode, 3)).ok());
  EXPECT_EQ(voters_of(network.raft(1)), ids({1, 2}));
  EXPECT_EQ(network.raft(1).tracker().progress.count(NodeId{3}), 0u);
  network.crash(3);
  ASSERT_TRUE(network.propose(1, "without-3").ok());
  EXPECT_EQ(network.node(2).state, (std::vector<std::string>{"without-3"}));
  // Responses from the removed node are refused.
  Message stale;
  stale.group = GroupId{1};
  stale.type = MessageType::kAppResp;
  stale.from = NodeId{3};
  stale.to = NodeId{1};
  stale.term = network.raft(1).term();
  stale.index = Index{100};
  EXPECT_EQ(network.raft(1).step(stale).error(), Error::kStepPeerNotFound);
}

TEST(Membership, RemovingTheLeaderHandsOverAtOnce) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  const Term term = network.raft(1).term();
  ASSERT_TRUE(network.propose_conf_change(1, single(ConfChangeType::kRemoveNode, 1)).ok());
  // No election timeout was needed: the old leader sent TimeoutNow to a caught-up voter.
  EXPECT_EQ(network.count_sent(is_type_from(MessageType::kTimeoutNow, 1)), 1u);
  EXPECT_NE(network.raft(1).role(), Role::kLeader);
  const NodeId leader = network.leader();
  ASSERT_TRUE(leader == NodeId{2} || leader == NodeId{3});
  EXPECT_EQ(network.raft(leader.value).term(), term + 1);
  EXPECT_EQ(voters_of(network.raft(leader.value)), ids({2, 3}));
  ASSERT_TRUE(network.propose(leader.value, "after").ok());
  EXPECT_EQ(network.node(2).state, (std::vector<std::string>{"after"}));
  EXPECT_EQ(network.node(3).state, (std::vector<std::string>{"after"}));
  // The removed node never campaigns again.
  network.clear_sent();
  network.tick_all(50);
  EXPECT_EQ(network.leader(), leader);
  EXPECT_EQ(network.count_sent([](const Message& m) {
    return m.from == NodeId{1} && (m.type == MessageType::kPreVote || m.type == MessageType::kVote);
  }),
            0u);
}

TEST(Membership, JointChangeOfTwoVotersIsLeftAutomatically) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.add_empty(NodeId{4});
  ConfChange replace;
  replace.changes = {{ConfChangeType::kAddNode, NodeId{4}},
                     {ConfChangeType::kRemoveNode, NodeId{3}}};
  ASSERT_TRUE(network.propose_conf_change(1, replace).ok());
  ASSERT_TRUE(network.propose(1, "x").ok());
  // Two conf change entries were applied: entering the joint configuration, then leaving it.
  const auto& states = network.node(1).conf_states;
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].voters_outgoing, testing::node_ids({1, 2, 3}));
  EXPECT_EQ(states[0].voters, testing::node_ids({1, 2, 4}));
  EXPECT_TRUE(states[0].auto_leave);
  EXPECT_TRUE(states[1].voters_outgoing.empty());
  EXPECT_EQ(states[1].voters, testing::node_ids({1, 2, 4}));
  for (uint64_t id : {1, 2, 4}) {
    EXPECT_FALSE(network.raft(id).tracker().config.voters.is_joint()) << id;
    EXPECT_EQ(voters_of(network.raft(id)), ids({1, 2, 4})) << id;
    EXPECT_EQ(network.node(id).state, (std::vector<std::string>{"x"})) << id;
  }
  EXPECT_EQ(network.raft(1).tracker().progress.count(NodeId{3}), 0u);
}

TEST(Membership, JointConfigurationNeedsBothMajorities) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.add_empty(NodeId{4});
  network.add_empty(NodeId{5});
  ConfChange replace;
  replace.transition = ConfChangeTransition::kJointExplicit;
  replace.changes = {{ConfChangeType::kAddNode, NodeId{4}},
                     {ConfChangeType::kAddNode, NodeId{5}},
                     {ConfChangeType::kRemoveNode, NodeId{2}},
                     {ConfChangeType::kRemoveNode, NodeId{3}}};
  ASSERT_TRUE(network.propose_conf_change(1, replace).ok());
  ASSERT_TRUE(network.raft(1).tracker().config.voters.is_joint());
  EXPECT_EQ(voters_of(network.raft(1)), ids({1, 4, 5}));

  // The old majority alone does not commit "x"...
  network.isolate(4);
  network.isolate(5);
  const Index commit = network.raft(1).log().committed();
  ASSERT_TRUE(network.propose(1, "x").ok());
  const Index x = network.raft(1).log().last_index();
  EXPECT_EQ(network.raft(1).log().committed(), commit);
  // ...and the new majority alone does not commit "y". It completes "x", which the old
  // majority already holds.
  network.heal();
  network.isolate(2);
  network.isolate(3);
  ASSERT_TRUE(network.propose(1, "y").ok());
  network.tick_all(2);
  EXPECT_EQ(network.raft(4).log().last_index(), x + 1);
  EXPECT_EQ(network.raft(1).log().committed(), x);
  network.heal();
  network.tick_all(2);
  EXPECT_EQ(network.raft(1).log().committed(), x + 1);
  EXPECT_EQ(network.node(1).state, (std::vector<std::string>{"x", "y"}));

  // Explicit joint: the leader stays joint until told to leave.
  EXPECT_TRUE(network.raft(1).tracker().config.voters.is_joint());
  ASSERT_TRUE(network.propose_conf_change(1, ConfChange{}).ok());
  EXPECT_FALSE(network.raft(1).tracker().config.voters.is_joint());
  network.isolate(2);
  network.isolate(3);
  ASSERT_TRUE(network.propose(1, "z").ok());
  EXPECT_EQ(network.node(5).state, (std::vector<std::string>{"x", "y", "z"}));
}

TEST(Membership, LeaderRemovingItselfWithAWriteInFlightStillHandsOver) {
  // Shrinking {1, 2} to {2} by removing the leader while a client write is in flight. When
  // node 1 applies its removal, node 2 has not heard that the change is committed (its view
  // is still {1, 2}, where it needs node 1's vote), and node 1 holds one entry more than node
  // 2 (so it would refuse that vote).
  Network network = Network::with_voters({1, 2});
  ASSERT_TRUE(network.elect(1));
  Raft& leader = network.raft(1);
  ASSERT_TRUE(leader.propose_conf_change(single(ConfChangeType::kRemoveNode, 1)).ok());
  ASSERT_TRUE(network.process_ready(NodeId{1}));  // the change goes out
  network.deliver_queued();
  ASSERT_TRUE(network.process_ready(NodeId{2}));  // node 2 persists and acknowledges it
  network.deliver_queued();
  const Index change = leader.log().last_index();
  ASSERT_EQ(leader.log().committed(), change);
  network.add_filter(is_type_from(MessageType::kApp, 1));  // node 2 hears nothing more
  ASSERT_TRUE(leader.propose("in-flight").ok());
  network.stabilize();  // node 1 applies its removal
  ASSERT_EQ(voters_of(leader), ids({2}));
  ASSERT_LT(network.raft(2).log().committed(), change);

  network.clear_filters();
  network.tick_all(60);
  ASSERT_EQ(network.leader(), NodeId{2});
  EXPECT_EQ(voters_of(network.raft(2)), ids({2}));
  ASSERT_TRUE(network.propose(2, "after").ok());
  EXPECT_EQ(network.node(2).state.back(), "after");
}

TEST(Membership, LeaderRefusesAChangeThatRemovesEveryVoter) {
  // Applying such a change is an invariant failure on every replica: the leader must refuse
  // it when proposed rather than crash the group when it commits.
  testing::ThrowingInvariantHandler handler;
  Network single_voter = Network::with_voters({1});
  ASSERT_TRUE(single_voter.elect(1));
  EXPECT_EQ(
      single_voter.raft(1).propose_conf_change(single(ConfChangeType::kRemoveNode, 1)).error(),
      Error::kProposalDropped);
  EXPECT_EQ(
      single_voter.raft(1).propose_conf_change(single(ConfChangeType::kAddLearner, 1)).error(),
      Error::kProposalDropped);
  Network two_voters = Network::with_voters({1, 2});
  ASSERT_TRUE(two_voters.elect(1));
  ConfChange both;
  both.changes = {{ConfChangeType::kRemoveNode, NodeId{1}},
                  {ConfChangeType::kRemoveNode, NodeId{2}}};
  EXPECT_EQ(two_voters.raft(1).propose_conf_change(both).error(), Error::kProposalDropped);
  two_voters.stabilize();
  // A valid change is still accepted afterwards.
  EXPECT_TRUE(two_voters.propose_conf_change(1, single(ConfChangeType::kRemoveNode, 2)).ok());
  EXPECT_EQ(voters_of(two_voters.raft(1)), ids({1}));
}

TEST(Membership, DemotedVoterBecomesALearner) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose_conf_change(1, single(ConfChangeType::kAddLearner, 3)).ok());
  EXPECT_EQ(voters_of(network.raft(3)), ids({1, 2}));
  EXPECT_EQ(network.raft(3).tracker().config.learners, ids({3}));
  ASSERT_TRUE(network.propose(1, "still-replicated").ok());
  EXPECT_EQ(network.node(3).state, (std::vector<std::string>{"still-replicated"}));
  network.isolate(1);
  network.isolate(2);
  network.tick_all(50);
  EXPECT_EQ(network.raft(3).role(), Role::kFollower);  // a learner never campaigns
}

TEST(Membership, NodeDoesNotCampaignWithACommittedChangeNotYetApplied) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose_conf_change(1, single(ConfChangeType::kRemoveNode, 2)).ok());
  // Node 3 restarts: the change is committed in its log but not applied again yet. It might
  // remove node 3 itself, so campaigning now could disrupt the group.
  network.crash(3);
  network.restart(3);
  ASSERT_GT(network.raft(3).log().committed(), network.raft(3).log().applied());
  network.raft(3).campaign();
  EXPECT_EQ(network.raft(3).role(), Role::kFollower);
  // Once applied, it may.
  network.isolate(3);
  network.stabilize();
  network.raft(3).campaign();
  EXPECT_EQ(network.raft(3).role(), Role::kPreCandidate);
}

TEST(Membership, LeaderRefusesAChangeWhileAnotherIsPending) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.raft(1).propose_conf_change(single(ConfChangeType::kAddLearner, 4)).ok());
  EXPECT_EQ(network.raft(1).propose_conf_change(single(ConfChangeType::kAddLearner, 5)).error(),
            Error::kProposalDropped);
  network.stabilize();
  EXPECT_TRUE(network.raft(1).propose_conf_change(single(ConfChangeType::kAddLearner, 5)).ok());
}

TEST(Membership, NewLeaderRefusesAChangeUntilItsFirstEntryIsApplied) {
  Network network = Network::with_voters({1, 2, 3});
  network.hold(is_type(MessageType::kApp));
  ASSERT_TRUE(network.elect(1));
  EXPECT_EQ(network.raft(1).propose_conf_change(single(ConfChangeType::kAddLearner, 4)).error(),
            Error::kProposalDropped);
  network.release_held();
  network.stabilize();
  EXPECT_TRUE(network.raft(1).propose_conf_change(single(ConfChangeType::kAddLearner, 4)).ok());
}

TEST(Membership, LeaderRefusesChangesThatDoNotFitTheCurrentConfiguration) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  // Leaving a joint configuration that does not exist.
  EXPECT_EQ(network.raft(1).propose_conf_change(ConfChange{}).error(), Error::kProposalDropped);
  ConfChange joint;
  joint.transition = ConfChangeTransition::kJointExplicit;
  joint.changes = {{ConfChangeType::kAddLearner, NodeId{4}}};
  ASSERT_TRUE(network.propose_conf_change(1, joint).ok());
  // Another change while joint (other than leaving it).
  EXPECT_EQ(network.raft(1).propose_conf_change(single(ConfChangeType::kAddLearner, 5)).error(),
            Error::kProposalDropped);
  // An undecodable conf change entry, forwarded by a follower.
  Message garbage;
  garbage.group = GroupId{1};
  garbage.type = MessageType::kProp;
  garbage.from = NodeId{2};
  garbage.to = NodeId{1};
  Entry entry;
  entry.type = EntryType::kConfChange;
  entry.data = "not a conf change";
  garbage.entries.push_back(entry);
  EXPECT_EQ(network.raft(1).step(garbage).error(), Error::kProposalDropped);
  EXPECT_TRUE(network.propose_conf_change(1, ConfChange{}).ok());
}

}  // namespace
}  // namespace chorus::raft
