// Leader election: randomized timeouts, pre-vote, check-quorum, the leader lease, and the
// persistence rule for a candidate's own vote.
#include <gtest/gtest.h>

#include <set>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::bootstrap_snapshot;
using testing::is_type;
using testing::Network;
using testing::NetworkOptions;
using testing::node_ids;

Message vote_request(MessageType type, uint64_t from, uint64_t to, Term term, Index last_index,
                     Term last_term) {
  Message m;
  m.group = GroupId{1};
  m.type = type;
  m.from = NodeId{from};
  m.to = NodeId{to};
  m.term = term;
  m.index = last_index;
  m.log_term = last_term;
  return m;
}

// Collects what a core wants to send, and drops it (for tests that step one core by hand).
std::vector<Message> drain(Raft& raft) {
  std::vector<Message> out;
  while (raft.has_ready()) {
    Ready ready = raft.ready();
    out.insert(out.end(), ready.messages.begin(), ready.messages.end());
    out.insert(out.end(), ready.messages_after_persist.begin(), ready.messages_after_persist.end());
    raft.advance(ready);
  }
  return out;
}

TEST(Election, SingleNodeElectsItselfAfterAnElectionTimeout) {
  Network network = Network::with_voters({1});
  network.tick_all(9);
  EXPECT_EQ(network.raft(1).role(), Role::kFollower);
  network.tick_all(11);
  EXPECT_EQ(network.raft(1).role(), Role::kLeader);
  EXPECT_EQ(network.raft(1).term(), Term{2});
  // Its first entry, an empty one of its term, is committed at once.
  EXPECT_EQ(network.raft(1).log().committed(), Index{2});
}

TEST(Election, ThreeNodesAgreeOnOneLeader) {
  Network network = Network::with_voters({1, 2, 3});
  network.tick_all(30);
  const NodeId leader = network.leader();
  ASSERT_NE(leader, kNoNode);
  for (NodeId id : network.ids()) {
    EXPECT_EQ(network.raft(id.value).leader(), leader) << "node " << id.value;
    EXPECT_EQ(network.raft(id.value).term(), network.raft(leader.value).term());
  }
}

TEST(Election, TimeoutIsRandomizedWithinOneToTwoElectionTimeouts) {
  // A follower that hears nothing campaigns after [election_ticks, 2 * election_ticks) ticks.
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    NetworkOptions options;
    options.seed = seed;
    Network network = Network::with_voters({1, 2, 3}, options);
    Raft& raft = network.raft(1);
    int ticks = 0;
    while (raft.role() == Role::kFollower && ticks < 100) {
      raft.tick();
      ++ticks;
    }
    EXPECT_GE(ticks, 10) << "seed " << seed;
    EXPECT_LT(ticks, 20) << "seed " << seed;
    seen.insert(ticks);
  }
  // Randomized, not constant: many distinct timeouts across seeds.
  EXPECT_GE(seen.size(), 5u);
}

TEST(Election, PreVoteLeavesThePartitionedNodesTermAlone) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  const Term term = network.raft(1).term();
  network.clear_sent();
  network.isolate(3);
  network.tick_all(100);
  // Node 3 tried (pre-vote) many times, but never raised its term.
  EXPECT_EQ(network.raft(3).term(), term);
  EXPECT_GT(network.count_sent(is_type(MessageType::kPreVote)), 0u);
  EXPECT_EQ(network.count_sent(is_type(MessageType::kVote)), 0u);
  network.heal();
  network.tick_all(5);
  // Rejoining disturbs nobody.
  EXPECT_EQ(network.leader(), NodeId{1});
  EXPECT_EQ(network.raft(1).term(), term);
  EXPECT_EQ(network.raft(3).role(), Role::kFollower);
  EXPECT_EQ(network.raft(3).leader(), NodeId{1});
}

TEST(Election, WithoutPreVoteAPartitionedNodeRaisesItsTermAndDisruptsOnReturn) {
  // The contrast to the test above: this is what pre-vote (dissertation §9.6) prevents.
  NetworkOptions options;
  options.pre_vote = false;
  options.check_quorum = false;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  const Term term = network.raft(1).term();
  network.isolate(3);
  ASSERT_TRUE(network.propose(1, "a").ok());  // node 3 misses it: it cannot win
  network.tick_all(100);
  EXPECT_GT(network.raft(3).term(), term + 3);
  network.heal();
  network.tick_all(40);
  // The old leader was deposed by the higher term; someone with the entry leads now.
  ASSERT_NE(network.leader(), kNoNode);
  EXPECT_NE(network.leader(), NodeId{3});
  EXPECT_GT(network.raft(network.leader().value).term(), term + 3);
}

TEST(Election, CheckQuorumStepsDownALeaderCutOffFromTheQuorum) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  // Connected, the leader keeps its leadership indefinitely.
  network.tick_all(50);
  EXPECT_EQ(network.leader(), NodeId{1});
  const Term term = network.raft(1).term();

  network.isolate(1);
  // Within two election timeouts it notices that no quorum answers and steps down, even
  // though it sees no higher term.
  for (int i = 0; i < 20 && network.raft(1).role() == Role::kLeader; ++i) network.tick(1);
  EXPECT_EQ(network.raft(1).role(), Role::kFollower);
  EXPECT_EQ(network.raft(1).term(), term);
  // The rest elect a new leader among themselves.
  for (int i = 0; i < 40; ++i) {
    network.tick(2);
    network.tick(3);
  }
  EXPECT_TRUE(network.raft(2).role() == Role::kLeader || network.raft(3).role() == Role::kLeader);
}

TEST(Election, CandidateWithAStaleLogCannotWin) {
  NetworkOptions options;
  options.check_quorum = false;  // lets the vote requests through without waiting out a lease
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  network.isolate(3);
  ASSERT_TRUE(network.propose(1, "a").ok());
  network.heal();
  network.cut(1, 3);  // node 3 does not hear the leader again

  EXPECT_FALSE(network.elect(3));
  EXPECT_EQ(network.raft(1).role(), Role::kLeader);
  // Pre-vote failed, so node 3 did not even raise its term.
  EXPECT_EQ(network.raft(3).term(), network.raft(1).term());
}

TEST(Election, VoteIsDeniedToAStaleLogButTheTermStillMovesForward) {
  NetworkOptions options;
  options.check_quorum = false;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(1, "a").ok());
  Raft& voter = network.raft(2);
  const Term term = voter.term();
  const Index last = voter.log().last_index();
  ASSERT_TRUE(voter
                  .step(vote_request(MessageType::kVote, 3, 2, term + 1, last.prev(),
                                     voter.log().last_term()))
                  .ok());
  auto out = drain(voter);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kVoteResp);
  EXPECT_TRUE(out[0].reject);
  EXPECT_EQ(voter.term(), term + 1);
  EXPECT_EQ(voter.status().vote, kNoNode);
  // Another candidate of the same term with an up-to-date log gets the vote.
  ASSERT_TRUE(
      voter.step(vote_request(MessageType::kVote, 1, 2, term + 1, last, voter.log().last_term()))
          .ok());
  out = drain(voter);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].reject);
  EXPECT_EQ(voter.status().vote, NodeId{1});
}

TEST(Election, LeaderLeaseIgnoresADisruptiveVoteRequest) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  Raft& follower = network.raft(2);
  const Term term = follower.term();
  const Index last = follower.log().last_index();
  const Term last_term = follower.log().last_term();
  // Node 3, with an up-to-date log but a much higher term (it was partitioned and campaigned
  // without pre-vote), asks for votes while the leader is alive.
  for (MessageType type : {MessageType::kVote, MessageType::kPreVote}) {
    ASSERT_TRUE(follower.step(vote_request(type, 3, 2, term + 5, last, last_term)).ok());
    EXPECT_TRUE(drain(follower).empty()) << to_string(type);
    EXPECT_EQ(follower.term(), term);
    EXPECT_EQ(follower.leader(), NodeId{1});
  }
  ASSERT_TRUE(
      network.raft(1).step(vote_request(MessageType::kVote, 3, 1, term + 5, last, last_term)).ok());
  EXPECT_EQ(network.raft(1).role(), Role::kLeader);
  EXPECT_EQ(network.raft(1).term(), term);

  // A leadership transfer is the one reason to vote despite a live leader.
  Message transfer = vote_request(MessageType::kVote, 3, 2, term + 5, last, last_term);
  transfer.transfer = true;
  ASSERT_TRUE(follower.step(transfer).ok());
  auto out = drain(follower);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].reject);
  EXPECT_EQ(follower.term(), term + 5);
}

TEST(Election, LeaseExpiresAfterAnElectionTimeoutWithoutTheLeader) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  Raft& follower = network.raft(2);
  const Term term = follower.term();
  const NodeId vote = follower.status().vote;
  // No heartbeat for a full election timeout: the lease is over (the follower may even have
  // started a pre-vote of its own, which does not matter here).
  for (int i = 0; i < 10; ++i) follower.tick();
  drain(follower);
  ASSERT_TRUE(follower
                  .step(vote_request(MessageType::kPreVote, 3, 2, term + 1,
                                     follower.log().last_index(), follower.log().last_term()))
                  .ok());
  auto out = drain(follower);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kPreVoteResp);
  EXPECT_FALSE(out[0].reject);
  EXPECT_EQ(out[0].term, term + 1);
  // A pre-vote never changes the voter's term or vote.
  EXPECT_EQ(follower.term(), term);
  EXPECT_EQ(follower.status().vote, vote);
}

TEST(Election, MinorityCannotElectAndDoesNotInflateTerms) {
  Network network = Network::with_voters({1, 2, 3, 4, 5});
  ASSERT_TRUE(network.elect(1));
  const Term term = network.raft(1).term();
  network.crash(1);
  network.crash(2);
  network.crash(3);
  network.tick_all(200);
  EXPECT_NE(network.raft(4).role(), Role::kLeader);
  EXPECT_NE(network.raft(5).role(), Role::kLeader);
  EXPECT_EQ(network.raft(4).term(), term);
  EXPECT_EQ(network.raft(5).term(), term);
  // With a majority back, an election succeeds.
  network.restart(3);
  network.tick_all(60);
  const NodeId leader = network.leader();
  ASSERT_NE(leader, kNoNode);
  EXPECT_TRUE(leader == NodeId{3} || leader == NodeId{4} || leader == NodeId{5});
}

TEST(Election, CandidateCountsItsOwnVoteOnlyOnceItIsPersisted) {
  NetworkOptions options;
  options.pre_vote = false;
  Network network = Network::with_voters({1}, options);
  Raft& raft = network.raft(1);
  raft.campaign();
  EXPECT_EQ(raft.role(), Role::kCandidate);
  ASSERT_TRUE(raft.has_ready());
  Ready ready = raft.ready();
  ASSERT_TRUE(ready.hard_state.has_value());
  EXPECT_EQ(ready.hard_state->term, Term{2});
  EXPECT_EQ(ready.hard_state->vote, NodeId{1});
  // The vote to ourselves never leaves as a message.
  EXPECT_TRUE(ready.messages.empty());
  EXPECT_TRUE(ready.messages_after_persist.empty());
  // Not a leader on an unpersisted vote, even though it is the only voter.
  EXPECT_EQ(raft.role(), Role::kCandidate);
  network.persist(network.node(1), ready);
  raft.advance(ready);
  EXPECT_EQ(raft.role(), Role::kLeader);
}

TEST(Election, VoteRequestsLeaveOnlyAfterTheTermIsPersisted) {
  NetworkOptions options;
  options.pre_vote = false;
  Network network = Network::with_voters({1, 2, 3}, options);
  Raft& raft = network.raft(1);
  raft.campaign();
  Ready ready = raft.ready();
  ASSERT_TRUE(ready.hard_state.has_value());
  EXPECT_TRUE(ready.messages.empty());
  ASSERT_EQ(ready.messages_after_persist.size(), 2u);
  for (const Message& m : ready.messages_after_persist) {
    EXPECT_EQ(m.type, MessageType::kVote);
    EXPECT_EQ(m.term, Term{2});
  }
}

TEST(Election, LearnerNeverCampaigns) {
  Network network;
  const auto voters = node_ids({1, 2, 3});
  for (uint64_t id : {1, 2, 3, 4}) {
    network.add_member(NodeId{id}, bootstrap_snapshot(voters, node_ids({4})));
  }
  network.isolate(4);
  const Term term = network.raft(4).term();
  network.tick(4, 100);
  network.raft(4).campaign();
  network.stabilize();
  EXPECT_EQ(network.raft(4).role(), Role::kFollower);
  EXPECT_EQ(network.raft(4).term(), term);
  EXPECT_EQ(
      network.count_sent([](const Message& m) { return m.from == NodeId{4} && m.to != NodeId{4}; }),
      0u);
}

TEST(Election, StepRefusesLocalTypesOtherGroupsAndUnknownPeers) {
  Network network = Network::with_voters({1, 2, 3});
  Raft& raft = network.raft(1);
  Message hup;
  hup.group = GroupId{1};
  hup.type = MessageType::kHup;
  EXPECT_EQ(raft.step(hup).error(), Error::kStepLocalMessage);
  Message other_group = vote_request(MessageType::kVote, 2, 1, Term{5}, Index{9}, Term{5});
  other_group.group = GroupId{2};
  EXPECT_EQ(raft.step(other_group).error(), Error::kWrongGroup);
  Message stranger;
  stranger.group = GroupId{1};
  stranger.type = MessageType::kAppResp;
  stranger.from = NodeId{9};
  stranger.to = NodeId{1};
  stranger.term = Term{1};
  EXPECT_EQ(raft.step(stranger).error(), Error::kStepPeerNotFound);
  EXPECT_EQ(raft.term(), Term{1});
}

}  // namespace
}  // namespace chorus::raft
