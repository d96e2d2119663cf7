// Linearizable reads through ReadIndex (dissertation §6.4), as seen from the driver:
// read_index(context) now, a ReadState with that context in a later Ready.
#include <gtest/gtest.h>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::is_type;
using testing::Network;
using testing::NetworkOptions;

std::vector<std::string> contexts(const std::vector<ReadState>& reads) {
  std::vector<std::string> out;
  for (const ReadState& read : reads) out.push_back(read.context);
  return out;
}

TEST(ReadIndex, ReadsArrivingDuringARoundShareTheNextRound) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(1, "a").ok());
  const Index commit = network.raft(1).log().committed();
  network.clear_sent();
  // The first read starts a heartbeat round at once; the other 49 arrive while it is in
  // flight, and one more round confirms all of them.
  for (int i = 0; i < 50; ++i) network.raft(1).read_index("r" + std::to_string(i));
  network.stabilize();
  const auto& reads = network.node(1).read_states;
  ASSERT_EQ(reads.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(reads[i].context, "r" + std::to_string(i));
    EXPECT_EQ(reads[i].index, commit);
  }
  EXPECT_EQ(network.count_sent(is_type(MessageType::kHeartbeat)), 2u * 2u);  // 2 rounds
}

TEST(ReadIndex, ReadArrivingDuringARoundIsNotConfirmedByIt) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.hold(is_type(MessageType::kHeartbeatResp));
  network.raft(1).read_index("early");
  network.stabilize();  // round 1 is out, its answers held
  network.raft(1).read_index("late");
  network.stabilize();
  EXPECT_TRUE(network.node(1).read_states.empty());
  // Round 1's answers predate the late read: they release only the early one.
  network.release_held();
  network.hold(is_type(MessageType::kHeartbeat));
  network.stabilize();
  EXPECT_EQ(contexts(network.node(1).read_states), (std::vector<std::string>{"early"}));
  // The leader started round 2 by itself; once it is answered the late read is released.
  ASSERT_EQ(network.held().size(), 2u);
  network.release_held();
  network.stabilize();
  EXPECT_EQ(contexts(network.node(1).read_states), (std::vector<std::string>{"early", "late"}));
}

TEST(ReadIndex, ReadStateCarriesTheCommitIndexAtArrival) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.raft(1).read_index("before");
  network.stabilize();
  ASSERT_TRUE(network.propose(1, "x").ok());
  ASSERT_TRUE(network.propose(1, "y").ok());
  network.raft(1).read_index("after");
  network.stabilize();
  const auto& reads = network.node(1).read_states;
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].index, Index{2});
  EXPECT_EQ(reads[1].index, Index{4});
}

TEST(ReadIndex, FollowerReadIsForwardedToTheLeader) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(1, "a").ok());
  network.raft(2).read_index("on-follower");
  network.stabilize();
  ASSERT_EQ(network.node(2).read_states.size(), 1u);
  EXPECT_EQ(network.node(2).read_states[0].context, "on-follower");
  EXPECT_EQ(network.node(2).read_states[0].index, network.raft(1).log().committed());
  EXPECT_TRUE(network.node(1).read_states.empty());
  EXPECT_EQ(network.count_sent(is_type(MessageType::kReadIndex)), 1u);
  EXPECT_EQ(network.count_sent(is_type(MessageType::kReadIndexResp)), 1u);
}

// A follower's own read, stamped with the term in which it follows the leader, vouches for
// the leader as a heartbeat answer would; with the leader that is a quorum of three.
TEST(ReadIndex, AFollowersOwnReadNeedsNoHeartbeatRoundInAThreeMemberCluster) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(1, "a").ok());
  network.clear_sent();
  network.raft(2).read_index("vouched");
  network.stabilize();
  ASSERT_EQ(network.node(2).read_states.size(), 1u);
  EXPECT_EQ(network.node(2).read_states[0].index, network.raft(1).log().committed());
  EXPECT_EQ(network.count_sent(is_type(MessageType::kHeartbeat)), 0u);
  ASSERT_EQ(network.count_sent(is_type(MessageType::kReadIndex)), 1u);
  for (const Message& m : network.sent()) {
    if (m.type == MessageType::kReadIndex) {
      EXPECT_EQ(m.log_term, network.raft(1).term());
    }
  }
}

// Reads the leader may not take on one follower's word: each must wait for a heartbeat round.
class UnvouchedRead : public ::testing::Test {
 protected:
  void expect_round(Network& network, uint64_t leader, Message read, size_t followers) {
    network.clear_sent();
    read.type = MessageType::kReadIndex;
    read.to = NodeId{leader};
    read.context = "unvouched";
    read.group = GroupId{1};  // the harness's group
    network.hold(is_type(MessageType::kHeartbeatResp));
    ASSERT_TRUE(network.raft(leader).step(read).ok());
    network.stabilize();
    // Not answered before the round, and the round went out.
    EXPECT_EQ(network.count_sent(is_type(MessageType::kReadIndexResp)), 0u);
    EXPECT_EQ(network.count_sent(is_type(MessageType::kHeartbeat)), followers);
    network.release_held();
    network.stabilize();
    EXPECT_EQ(network.count_sent(is_type(MessageType::kReadIndexResp)), 1u);
  }
};

TEST_F(UnvouchedRead, OneThatAnotherMemberPassedOn) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  Message read;
  read.from = NodeId{3};  // the requester; whoever passed it on vouches for nothing
  read.log_term = Term{};
  expect_round(network, 1, read, 2);
}

TEST_F(UnvouchedRead, OneStampedWithAnEarlierTerm) {
  NetworkOptions options;
  options.check_quorum = false;  // so that node 2 can take over while node 1 is healthy
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.elect(2));  // a later term, in which node 2 leads
  Message read;
  read.from = NodeId{3};
  read.log_term = Term{network.raft(2).term().value - 1};  // sent while following node 1
  expect_round(network, 2, read, 2);
}

TEST_F(UnvouchedRead, OneFromAFollowerOfFiveWhereTwoAreNoQuorum) {
  Network network = Network::with_voters({1, 2, 3, 4, 5});
  ASSERT_TRUE(network.elect(1));
  Message read;
  read.from = NodeId{2};
  read.log_term = network.raft(1).term();
  expect_round(network, 1, read, 4);
}

TEST(ReadIndex, AFollowerOfFiveGetsItsReadAfterTheRound) {
  Network network = Network::with_voters({1, 2, 3, 4, 5});
  ASSERT_TRUE(network.elect(1));
  network.clear_sent();
  network.raft(2).read_index("five");
  network.stabilize();
  ASSERT_EQ(network.node(2).read_states.size(), 1u);
  EXPECT_EQ(network.node(2).read_states[0].index, network.raft(1).log().committed());
  EXPECT_EQ(network.count_sent(is_type(MessageType::kHeartbeat)), 4u);
}

TEST(ReadIndex, ReadWithoutAKnownLeaderIsDropped) {
  Network network = Network::with_voters({1, 2, 3});
  network.raft(2).read_index("nobody-to-ask");
  network.stabilize();
  EXPECT_TRUE(network.node(2).read_states.empty());
  EXPECT_TRUE(network.sent().empty());
}

TEST(ReadIndex, NewLeaderWaitsForACommitOfItsTermBeforeAnswering) {
  NetworkOptions options;
  options.check_quorum = false;  // node 3 may vote for node 2 right after hearing node 1
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  // Node 1 commits "a" at index 3, but the followers never learn that it is committed.
  network.hold([](const Message& m) {
    return m.type == MessageType::kApp && m.from == NodeId{1} && m.entries.empty();
  });
  ASSERT_TRUE(network.propose(1, "a").ok());
  ASSERT_EQ(network.raft(1).log().committed(), Index{3});
  network.crash(1);
  // Node 2 wins, but its own first entry is not committed yet.
  network.hold([](const Message& m) { return m.type == MessageType::kApp; });
  ASSERT_TRUE(network.elect(2));
  ASSERT_EQ(network.raft(2).log().committed(), Index{2});
  network.raft(2).read_index("r");
  network.stabilize();
  // Answering now with index 2 would miss the committed "a".
  EXPECT_TRUE(network.node(2).read_states.empty());
  network.release_held();
  network.stabilize();
  ASSERT_EQ(network.node(2).read_states.size(), 1u);
  EXPECT_GE(network.node(2).read_states[0].index, Index{3});
  EXPECT_EQ(network.node(2).read_states[0].index, network.raft(2).log().committed());
}

TEST(ReadIndex, PartitionedLeaderNeverAnswers) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.isolate(1);
  network.raft(1).read_index("stale?");
  // The others elect a new leader and write; the old leader must not serve the read.
  for (int i = 0; i < 40; ++i) network.tick_all();
  const NodeId leader = network.leader();
  ASSERT_TRUE(leader == NodeId{2} || leader == NodeId{3});
  ASSERT_TRUE(network.propose(leader.value, "new").ok());
  EXPECT_TRUE(network.node(1).read_states.empty());
  EXPECT_NE(network.raft(1).role(), Role::kLeader);  // check-quorum deposed it
  // Healed, it follows the new leader; the read was dropped with its leadership, never
  // answered with a stale index.
  network.heal();
  network.tick_all(3);
  EXPECT_TRUE(network.node(1).read_states.empty());
}

TEST(ReadIndex, SingleVoterAnswersWithoutMessages) {
  Network network = Network::with_voters({1});
  ASSERT_TRUE(network.elect(1));
  network.clear_sent();
  network.raft(1).read_index("solo");
  network.stabilize();
  ASSERT_EQ(network.node(1).read_states.size(), 1u);
  EXPECT_EQ(network.node(1).read_states[0].index, Index{2});
  EXPECT_TRUE(network.sent().empty());
}

TEST(ReadIndex, LeaseBasedReadsNeedNoHeartbeatRound) {
  NetworkOptions options;
  options.read_only = ReadOnlyOption::kLeaseBased;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  network.clear_sent();
  network.raft(1).read_index("lease");
  network.stabilize();
  ASSERT_EQ(network.node(1).read_states.size(), 1u);
  EXPECT_EQ(network.count_sent(is_type(MessageType::kHeartbeat)), 0u);
}

}  // namespace
}  // namespace chorus::raft
