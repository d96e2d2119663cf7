// Log replication: proposals, the persistence rule for acknowledgements, pipelining within the
// inflight bounds, fast backtracking of a divergent follower, and commitment by current-term
// counting only (the Raft paper's Figure 8).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::all_entries;
using testing::bootstrap_snapshot;
using testing::is_type;
using testing::is_type_from;
using testing::is_type_to;
using testing::make_entry;
using testing::Network;
using testing::NetworkOptions;
using testing::node_ids;

std::vector<std::string> strings(std::initializer_list<const char*> list) {
  return std::vector<std::string>(list.begin(), list.end());
}

bool appends_entries_to(const Message& m, uint64_t to) {
  return m.type == MessageType::kApp && m.to == NodeId{to} && !m.entries.empty();
}

TEST(Replication, ProposalsCommitAndApplyOnEveryNode) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  for (const char* value : {"a", "b", "c"}) ASSERT_TRUE(network.propose(1, value).ok());
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_EQ(network.node(id).state, strings({"a", "b", "c"})) << "node " << id;
    EXPECT_EQ(network.raft(id).log().committed(), Index{5});
    EXPECT_EQ(network.raft(id).log().applied(), Index{5});
  }
  // Entries carry the leader's term and consecutive indexes.
  auto entries = all_entries(network.raft(3));
  ASSERT_EQ(entries.size(), 4u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].index, Index{2 + i});
    EXPECT_EQ(entries[i].term, network.raft(1).term());
  }
}

TEST(Replication, FollowerForwardsProposalsToTheLeader) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(3, "from-3").ok());
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(network.node(id).state, strings({"from-3"}));
}

TEST(Replication, ProposalWithoutAKnownLeaderIsDropped) {
  Network network = Network::with_voters({1, 2, 3});
  EXPECT_EQ(network.raft(1).propose("x").error(), Error::kProposalDropped);
  network.isolate(1);
  network.raft(1).campaign();  // pre-candidate: still no leader
  network.stabilize();
  EXPECT_EQ(network.raft(1).propose("x").error(), Error::kProposalDropped);
}

TEST(Replication, FollowerAcknowledgesOnlyAfterPersisting) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.raft(1).propose("x").ok());
  ASSERT_TRUE(network.process_ready(NodeId{1}));
  network.deliver_queued();
  Ready ready = network.raft(2).ready();
  ASSERT_EQ(ready.entries.size(), 1u);
  EXPECT_EQ(ready.entries[0].data, "x");
  EXPECT_TRUE(ready.messages.empty());
  ASSERT_EQ(ready.messages_after_persist.size(), 1u);
  EXPECT_EQ(ready.messages_after_persist[0].type, MessageType::kAppResp);
  EXPECT_EQ(ready.messages_after_persist[0].index, ready.entries[0].index);
}

TEST(Replication, LeaderCountsItsOwnEntryOnlyAfterPersistingIt) {
  Network network = Network::with_voters({1, 2, 3});
  ASSERT_TRUE(network.elect(1));
  network.isolate(3);  // the quorum must be the leader and node 2
  Raft& leader = network.raft(1);
  const Index commit = leader.log().committed();
  ASSERT_TRUE(leader.propose("x").ok());
  Ready ready = leader.ready();
  ASSERT_EQ(ready.entries.size(), 1u);
  const Index index = ready.entries[0].index;
  // Replication traffic may leave before the leader's own write completes (§10.2.1).
  ASSERT_FALSE(ready.messages.empty());
  EXPECT_EQ(ready.messages[0].type, MessageType::kApp);
  network.send(ready.messages);
  network.deliver_queued();                       // node 2 receives the entry
  ASSERT_TRUE(network.process_ready(NodeId{2}));  // persists it and acknowledges
  network.deliver_queued();                       // the leader receives the acknowledgement
  // One copy on a disk (node 2's) is not a majority of three.
  EXPECT_EQ(leader.log().committed(), commit);
  network.persist(network.node(1), ready);
  leader.advance(ready);
  EXPECT_EQ(leader.log().committed(), index);
}

TEST(Replication, PipeliningStopsAtTheInflightMessageBound) {
  NetworkOptions options;
  options.inflight.max_inflight_messages = 3;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  network.clear_sent();
  network.hold(is_type_from(MessageType::kAppResp, 2));  // node 2 acknowledges nothing
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(network.propose(1, "v" + std::to_string(i)).ok());
  // Ten proposals, but only three appends outstanding to the silent follower...
  EXPECT_EQ(network.count_sent([](const Message& m) { return appends_entries_to(m, 2); }), 3u);
  // ...while the other follower, acknowledging, got all ten and everything committed.
  EXPECT_EQ(network.count_sent([](const Message& m) { return appends_entries_to(m, 3); }), 10u);
  EXPECT_EQ(network.node(1).state.size(), 10u);
  EXPECT_EQ(network.raft(2).log().last_index(), Index{5});  // the empty entry and three
  network.release_held();
  network.stabilize();
  EXPECT_EQ(network.node(2).state, network.node(1).state);
}

TEST(Replication, PipeliningStopsAtTheInflightByteBound) {
  const std::string value(100, 'x');
  const uint64_t entry_bytes = make_entry(1, 1, value).size_bytes();
  NetworkOptions options;
  options.inflight.max_inflight_bytes = 2 * entry_bytes;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  network.clear_sent();
  network.hold(is_type_from(MessageType::kAppResp, 2));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(network.propose(1, value).ok());
  EXPECT_EQ(network.count_sent([](const Message& m) { return appends_entries_to(m, 2); }), 2u);
  network.release_held();
  network.stabilize();
  EXPECT_EQ(network.node(2).state.size(), 6u);
}

TEST(Replication, ProbingSendsOneAppendAtATime) {
  Network network = Network::with_voters({1, 2, 3});
  // Node 3 hears nothing of the election, so the new leader knows nothing of its log.
  network.hold([](const Message& m) { return m.to == NodeId{3} && m.type == MessageType::kApp; });
  ASSERT_TRUE(network.elect(1));
  ASSERT_EQ(network.tracker_state(1, 3), ProgressState::kProbe);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(network.propose(1, "p").ok());
  // The one probe from the election is still unanswered: nothing more was sent.
  EXPECT_EQ(network.count_sent(is_type_to(MessageType::kApp, 3)), 1u);
  network.release_held();
  network.stabilize();
  EXPECT_EQ(network.tracker_state(1, 3), ProgressState::kReplicate);
  EXPECT_EQ(network.node(3).state.size(), 5u);
}

TEST(Replication, DivergentFollowerIsRepairedInOneRoundTrip) {
  // Index: 1(snapshot) 2 3 4 ... 9 ... 53
  // node 1 (leader):   1 1 3 ... 3           (then 10: its empty entry of term 4)
  // node 2:            1 1 2 ... 2 ... 2     (an old leader's 50 uncommitted entries)
  // node 3:            1 1                   (missed everything after index 3)
  std::vector<Entry> leader_log = {make_entry(1, 2), make_entry(1, 3)};
  for (uint64_t i = 4; i <= 9; ++i) leader_log.push_back(make_entry(3, i));
  std::vector<Entry> divergent_log = {make_entry(1, 2), make_entry(1, 3)};
  for (uint64_t i = 4; i <= 53; ++i) divergent_log.push_back(make_entry(2, i));
  const std::vector<Entry> short_log = {make_entry(1, 2), make_entry(1, 3)};
  const HardState hard_state{Term{3}, kNoNode, Index{3}};
  const Snapshot snapshot = bootstrap_snapshot(node_ids({1, 2, 3}));
  Network network;
  network.add_member(NodeId{1}, snapshot, leader_log, hard_state);
  network.add_member(NodeId{2}, snapshot, divergent_log, hard_state);
  network.add_member(NodeId{3}, snapshot, short_log, hard_state);
  ASSERT_TRUE(network.elect(1));

  // The follower's hint (its last index and term there) lets the leader skip the follower's
  // whole term 2 and its own term 3 at once: one rejection each, not one per entry.
  auto rejections_from = [&](uint64_t id) {
    return network.count_sent([id](const Message& m) {
      return m.type == MessageType::kAppResp && m.from == NodeId{id} && m.reject;
    });
  };
  EXPECT_EQ(rejections_from(2), 1u);
  EXPECT_EQ(rejections_from(3), 1u);
  const auto expected = all_entries(network.raft(1));
  ASSERT_EQ(expected.size(), 9u);
  EXPECT_EQ(all_entries(network.raft(2)), expected);
  EXPECT_EQ(all_entries(network.raft(3)), expected);
  EXPECT_EQ(network.raft(2).log().committed(), Index{10});
}

TEST(Replication, StaleLeaderStepsDownOnAFollowersHigherTerm) {
  NetworkOptions options;
  options.check_quorum = false;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  network.isolate(1);
  ASSERT_TRUE(network.elect(2));
  network.heal();
  // The deposed leader still believes it leads and accepts a proposal...
  ASSERT_EQ(network.raft(1).role(), Role::kLeader);
  ASSERT_TRUE(network.propose(1, "stale").ok());
  // ...but its append is answered with the newer term, and it steps down.
  EXPECT_EQ(network.raft(1).role(), Role::kFollower);
  EXPECT_EQ(network.raft(1).term(), network.raft(2).term());
  ASSERT_TRUE(network.propose(2, "fresh").ok());
  network.tick_all(2);  // node 2's probe to node 1 was lost in the partition
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(network.node(id).state, strings({"fresh"}));
}

TEST(Replication, LostAppendsAreRecoveredAfterAHeartbeat) {
  NetworkOptions options;
  options.inflight.max_inflight_messages = 2;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  // Every append to node 3 is lost, enough of them to fill its inflight window.
  network.add_filter(is_type_to(MessageType::kApp, 3));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(network.propose(1, "v").ok());
  EXPECT_EQ(network.node(3).state.size(), 0u);
  network.clear_filters();
  network.tick_all(3);
  EXPECT_EQ(network.node(3).state.size(), 5u);
}

// Whether one applied sequence is a prefix of the other (State Machine Safety, §5.4.3: no two
// servers apply different commands at the same index).
bool one_is_prefix_of_the_other(const std::vector<std::string>& a,
                                const std::vector<std::string>& b) {
  const size_t n = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
}

// Random message loss and rolling partitions, then a healed network: no two nodes ever apply
// different sequences, and afterwards every node converges on the same one.
TEST(Replication, SafeUnderRandomFaultsAndConvergesOnceHealed) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    NetworkOptions options;
    options.seed = seed;
    options.inflight.max_inflight_messages = 4;
    Network network = Network::with_voters({1, 2, 3, 4, 5}, options);
    auto random = std::make_shared<Random>(seed);
    network.add_filter([random](const Message&) { return random->chance(1, 5); });
    int proposals = 0;
    for (int tick = 0; tick < 300; ++tick) {
      if (tick % 60 == 0) {
        // Every other window cuts off the leader itself, forcing an election.
        const NodeId leader = network.leader();
        const bool depose = tick % 120 == 60 && leader != kNoNode;
        network.isolate(depose ? leader.value : random->between(1, 5));
      }
      if (tick % 60 == 30) network.heal();
      network.tick_all();
      if (random->chance(1, 2)) {
        const uint64_t id = random->between(1, 5);
        if (network.raft(id).propose("p" + std::to_string(proposals)).ok()) ++proposals;
      }
      for (NodeId a : network.ids()) {
        for (NodeId b : network.ids()) {
          ASSERT_TRUE(one_is_prefix_of_the_other(network.node(a).state, network.node(b).state))
              << "seed " << seed << " tick " << tick << " nodes " << a.value << ", " << b.value;
        }
      }
    }
    network.heal();
    network.clear_filters();
    network.tick_all(50);
    const NodeId leader = network.leader();
    ASSERT_NE(leader, kNoNode) << "seed " << seed;
    // Terms moved on (leaders changed) and many writes made it through the faults.
    EXPECT_GT(network.raft(leader.value).term(), Term{2}) << "seed " << seed;
    ASSERT_TRUE(network.propose(leader.value, "final").ok()) << "seed " << seed;
    network.tick_all(3);
    const auto& expected = network.node(leader).state;
    EXPECT_GT(expected.size(), 20u) << "seed " << seed;
    EXPECT_EQ(expected.back(), "final") << "seed " << seed;
    for (NodeId id : network.ids()) {
      EXPECT_EQ(network.node(id).state, expected) << "seed " << seed << " node " << id.value;
    }
  }
}

// The Raft paper, Figure 8, played out on five nodes. An entry of an earlier term that is
// stored on a majority can still be overwritten, so a leader must not count replicas of it.
class FigureEight : public ::testing::Test {
 protected:
  FigureEight() {
    NetworkOptions options;
    options.pre_vote = false;  // terms move exactly as in the figure
    options.check_quorum = false;
    options.max_message_bytes = 1;  // one entry per append, to deliver the log piece by piece
    network_ = std::make_unique<Network>(Network::with_voters({1, 2, 3, 4, 5}, options));
  }

  // Plays (a) to (c): S1 leads in term 4 and has replicated its term-2 entry at index 3 to
  // S1, S2, S3 (a majority) but its own term-4 entry only to S1 and S2.
  void play_a_to_c() {
    Network& n = *network_;
    ASSERT_TRUE(n.elect(1));  // term 2, empty entry at index 2 committed everywhere
    // (a) S1 replicates "a" (index 3, term 2) to S2 only.
    n.isolate(3);
    n.isolate(4);
    n.isolate(5);
    ASSERT_TRUE(n.propose(1, "a").ok());
    ASSERT_EQ(n.raft(1).log().committed(), Index{2});
    // (b) S1 crashes; S5 is elected in term 3 by S3, S4 and itself and appends "b" at
    // index 4 (after its empty entry at index 3), replicated nowhere.
    n.crash(1);
    n.heal();
    n.isolate(2);
    n.add_filter(is_type_from(MessageType::kApp, 5));
    ASSERT_TRUE(n.elect(5));
    ASSERT_EQ(n.raft(5).term(), Term{3});
    ASSERT_TRUE(n.propose(5, "b").ok());
    // (c) S5 crashes; S1 restarts and is elected in term 4 by S2, S3, S4. It replicates
    // "a" to S3 but S3 does not receive its term-4 entry, and S4 receives nothing.
    n.crash(5);
    n.restart(1);
    n.heal();
    n.clear_filters();
    n.add_filter(is_type_to(MessageType::kApp, 4));
    // S3 first rejects the probe (it lacks index 3), then gets index 3 alone; what follows
    // is lost.
    n.add_filter([&n](const Message& m) {
      if (m.type != MessageType::kApp || m.to != NodeId{3}) return false;
      if (n.raft(3).log().last_index() < Index{3}) return false;
      for (const Entry& entry : m.entries) {
        if (entry.index >= Index{4}) return true;
      }
      return false;
    });
    ASSERT_TRUE(n.elect(1));
    ASSERT_EQ(n.raft(1).term(), Term{4});
  }

  std::unique_ptr<Network> network_;
};

TEST_F(FigureEight, EntryOfAnEarlierTermOnAMajorityIsNotCommitted) {
  ASSERT_NO_FATAL_FAILURE(play_a_to_c());
  Network& n = *network_;
  // "a" is on S1, S2 and S3...
  for (uint64_t id : {1, 2, 3}) {
    ASSERT_EQ(n.raft(id).log().term_or_zero(Index{3}), Term{2}) << "S" << id;
  }
  // ...yet S1 did not commit it: §5.4.2, only entries of the current term are committed by
  // counting replicas.
  EXPECT_EQ(n.raft(1).log().committed(), Index{2});

  // (d) S1 crashes; S5 can be elected (by S3, S4 and itself) and overwrites index 3.
  n.crash(1);
  n.restart(5);
  n.clear_filters();
  ASSERT_TRUE(n.elect(5));
  ASSERT_TRUE(n.propose(5, "c").ok());
  for (uint64_t id : {2, 3, 4, 5}) {
    EXPECT_EQ(n.raft(id).log().term_or_zero(Index{3}), Term{3}) << "S" << id;
    EXPECT_EQ(n.node(id).state, strings({"b", "c"})) << "S" << id;
  }
  // S1 comes back and converges; "a" was never applied anywhere.
  n.restart(1);
  n.tick_all(2);  // a heartbeat reaches S1, whose probe was lost while it was down
  ASSERT_TRUE(n.propose(5, "d").ok());
  EXPECT_EQ(n.node(1).state, strings({"b", "c", "d"}));
}

TEST_F(FigureEight, EntryOfAnEarlierTermCommitsWithAnEntryOfTheCurrentTerm) {
  ASSERT_NO_FATAL_FAILURE(play_a_to_c());
  Network& n = *network_;
  // (e) S1 gets its term-4 entry onto a majority: that commits it and "a" before it.
  n.clear_filters();
  n.tick_all(2);
  EXPECT_EQ(n.raft(1).log().committed(), Index{4});
  EXPECT_EQ(n.node(1).state, strings({"a"}));
  // Now S5 can never win: a majority holds an entry of term 4.
  n.crash(1);
  n.restart(5);
  EXPECT_FALSE(n.elect(5));
}

}  // namespace
}  // namespace chorus::raft
