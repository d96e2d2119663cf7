// Leadership transfer (dissertation §3.10): the leader brings the target up to date, then sends
// TimeoutNow so that it campaigns at once, past the other voters' leader lease.
#include <gtest/gtest.h>

#include <memory>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::is_type;
using testing::is_type_to;
using testing::Network;

TEST(LeaderTransfer, UpToDateTargetGetsTimeoutNowAndWins) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(1, "a").ok());
  const Term term = network.raft(1).term();
  network.clear_sent();
  network.raft(1).transfer_leadership(NodeId{2});
  network.stabilize();
  // No tick was needed: the target campaigned on TimeoutNow and node 3 voted for it despite
  // having a live leader (the vote request is marked as a transfer).
  EXPECT_EQ(network.count_sent(is_type_to(MessageType::kTimeoutNow, 2)), 1u);
  EXPECT_EQ(network.leader(), NodeId{2});
  EXPECT_EQ(network.raft(2).term(), term + 1);
  EXPECT_EQ(network.raft(1).role(), Role::kFollower);
  EXPECT_EQ(network.raft(1).leader(), NodeId{2});
  ASSERT_TRUE(network.propose(2, "b").ok());
  EXPECT_EQ(network.node(1).state, (std::vector<std::string>{"a", "b"}));
}

TEST(LeaderTransfer, LaggingTargetIsCaughtUpBeforeTimeoutNow) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.isolate(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(network.propose(1, "v" + std::to_string(i)).ok());
  network.heal();
  // Check, when TimeoutNow reaches node 3, that its log already matches the leader's.
  auto caught_up_at_timeout = std::make_shared<std::optional<bool>>();
  Network* net = &network;
  network.add_filter([net, caught_up_at_timeout](const Message& m) {
    if (m.type == MessageType::kTimeoutNow && m.to == NodeId{3}) {
      *caught_up_at_timeout = net->raft(3).log().last_index() == net->raft(1).log().last_index();
    }
    return false;
  });
  network.raft(1).transfer_leadership(NodeId{3});
  network.stabilize();
  ASSERT_TRUE(caught_up_at_timeout->has_value());
  EXPECT_TRUE(**caught_up_at_timeout);
  EXPECT_EQ(network.leader(), NodeId{3});
  EXPECT_EQ(network.node(3).state.size(), 5u);
}

TEST(LeaderTransfer, ProposalsAreDroppedWhileATransferIsInProgress) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.cut(1, 3);  // the target cannot be reached: the transfer cannot finish
  network.raft(1).transfer_leadership(NodeId{3});
  network.stabilize();
  EXPECT_EQ(network.raft(1).status().lead_transferee, NodeId{3});
  EXPECT_EQ(network.raft(1).propose("during").error(), Error::kProposalDropped);
  // A follower's forwarded proposal is refused too (it arrives and is dropped by the leader).
  ASSERT_TRUE(network.propose(2, "forwarded").ok());
  EXPECT_TRUE(network.node(1).state.empty());
  // The transfer is abandoned after an election timeout; proposals flow again.
  for (int i = 0; i < 10; ++i) network.tick(1);
  EXPECT_EQ(network.raft(1).role(), Role::kLeader);
  EXPECT_EQ(network.raft(1).status().lead_transferee, kNoNode);
  ASSERT_TRUE(network.propose(1, "after").ok());
  EXPECT_EQ(network.node(2).state, (std::vector<std::string>{"after"}));
}

TEST(LeaderTransfer, TransferToSelfALearnerOrAStrangerIsIgnored) {
  Network network;
  const auto voters = testing::node_ids({1, 2, 3});
  for (uint64_t id : {1, 2, 3, 4}) {
    network.add_member(NodeId{id}, testing::bootstrap_snapshot(voters, testing::node_ids({4})));
  }
  ASSERT_TRUE(network.elect(1));
  for (uint64_t target : {1, 4, 9}) {
    network.raft(1).transfer_leadership(NodeId{target});
    network.stabilize();
    EXPECT_EQ(network.raft(1).status().lead_transferee, kNoNode) << target;
    EXPECT_EQ(network.leader(), NodeId{1}) << target;
  }
  EXPECT_EQ(network.count_sent(is_type(MessageType::kTimeoutNow)), 0u);
  EXPECT_TRUE(network.propose(1, "fine").ok());
}

TEST(LeaderTransfer, NewTargetReplacesAStuckTransfer) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.cut(1, 3);
  network.raft(1).transfer_leadership(NodeId{3});
  network.stabilize();
  network.raft(1).transfer_leadership(NodeId{2});
  network.stabilize();
  EXPECT_EQ(network.leader(), NodeId{2});
}

TEST(LeaderTransfer, RequestOnAFollowerIsForwardedToTheLeader) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  // Asked on node 2 to move leadership to node 3.
  network.raft(2).transfer_leadership(NodeId{3});
  network.stabilize();
  EXPECT_EQ(network.leader(), NodeId{3});
}

TEST(LeaderTransfer, TimeoutNowToALearnerDoesNothing) {
  Network network;
  const auto voters = testing::node_ids({1, 2, 3});
  for (uint64_t id : {1, 2, 3, 4}) {
    network.add_member(NodeId{id}, testing::bootstrap_snapshot(voters, testing::node_ids({4})));
  }
  ASSERT_TRUE(network.elect(1));
  Message timeout_now;
  timeout_now.group = GroupId{1};
  timeout_now.type = MessageType::kTimeoutNow;
  timeout_now.from = NodeId{1};
  timeout_now.to = NodeId{4};
  timeout_now.term = network.raft(1).term();
  ASSERT_TRUE(network.raft(4).step(timeout_now).ok());
  network.stabilize();
  EXPECT_EQ(network.raft(4).role(), Role::kFollower);
  EXPECT_EQ(network.leader(), NodeId{1});
}

}  // namespace
}  // namespace chorus::raft
