// Tests that each check one statement of the Raft paper (Ongaro and Ousterhout, "In Search of
// an Understandable Consensus Algorithm", extended version), quoted above the test, in the
// spirit of etcd-io/raft's raft_paper_test.go. Pre-vote and check-quorum are turned off where
// the paper's basic algorithm is meant, since they are later extensions (dissertation §9.6).
#include <gtest/gtest.h>

#include <algorithm>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::bootstrap_snapshot;
using testing::is_type;
using testing::is_type_from;
using testing::is_type_to;
using testing::make_entry;
using testing::Network;
using testing::NetworkOptions;
using testing::node_ids;

NetworkOptions basic_raft() {
  NetworkOptions options;
  options.pre_vote = false;
  options.check_quorum = false;
  return options;
}

Message message(MessageType type, uint64_t from, uint64_t to, Term term) {
  Message m;
  m.group = GroupId{1};
  m.type = type;
  m.from = NodeId{from};
  m.to = NodeId{to};
  m.term = term;
  return m;
}

// Runs Ready/advance on one core without delivering anything, returning what it would send.
std::vector<Message> outbox(Network& network, uint64_t id) {
  std::vector<Message> out;
  Raft& raft = network.raft(id);
  while (raft.has_ready()) {
    Ready ready = raft.ready();
    network.persist(network.node(id), ready);
    network.apply(network.node(id), ready);
    out.insert(out.end(), ready.messages.begin(), ready.messages.end());
    out.insert(out.end(), ready.messages_after_persist.begin(), ready.messages_after_persist.end());
    raft.advance(ready);
  }
  return out;
}

// §5.1: "Current terms are exchanged whenever servers communicate; if one server's current
// term is smaller than the other's, then it updates its current term to the larger value."
TEST(Paper, ServerAdoptsALargerTermFromAnyMessage) {
  for (MessageType type :
       {MessageType::kApp, MessageType::kHeartbeat, MessageType::kVote, MessageType::kAppResp}) {
    Network network = Network::with_voters({1, 2, 3}, basic_raft());
    Message m = message(type, 2, 1, Term{7});
    m.log_term = Term{1};
    m.index = Index{1};
    ASSERT_TRUE(network.raft(1).step(m).ok()) << to_string(type);
    EXPECT_EQ(network.raft(1).term(), Term{7}) << to_string(type);
  }
}

// §5.1: "If a candidate or leader discovers that its term is out of date, it immediately
// reverts to follower state."
TEST(Paper, CandidateOrLeaderWithAnOutOfDateTermRevertsToFollower) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.raft(1).step(message(MessageType::kHeartbeat, 2, 1, Term{9})).ok());
  EXPECT_EQ(network.raft(1).role(), Role::kFollower);
  EXPECT_EQ(network.raft(1).term(), Term{9});

  network.isolate(3);
  network.raft(3).campaign();
  network.stabilize();
  ASSERT_EQ(network.raft(3).role(), Role::kCandidate);
  const Term candidate_term = network.raft(3).term();
  ASSERT_TRUE(network.raft(3).step(message(MessageType::kAppResp, 2, 3, candidate_term + 1)).ok());
  EXPECT_EQ(network.raft(3).role(), Role::kFollower);
  EXPECT_EQ(network.raft(3).term(), candidate_term + 1);
}

// §5.1: "If a server receives a request with a stale term number, it rejects the request."
TEST(Paper, RequestWithAStaleTermIsRejected) {
  // With pre-vote on, a stale AppendEntries is answered with the current term (so that the
  // stale leader steps down), as in Figure 2's "term: currentTerm, for leader to update itself".
  NetworkOptions options = basic_raft();
  options.pre_vote = true;
  Network network = Network::with_voters({1, 2, 3}, options);
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.elect(2));  // term 3: node 1's term 2 is now stale
  const Index last = network.raft(3).log().last_index();
  Message append = message(MessageType::kApp, 1, 3, Term{2});
  append.index = last;
  append.log_term = network.raft(3).log().last_term();
  append.entries = {make_entry(2, last.value + 1, "stale")};
  ASSERT_TRUE(network.raft(3).step(append).ok());
  EXPECT_EQ(network.raft(3).log().last_index(), last);  // nothing appended
  Message vote = message(MessageType::kVote, 1, 3, Term{2});
  vote.index = Index{100};
  vote.log_term = Term{2};
  ASSERT_TRUE(network.raft(3).step(vote).ok());
  auto out = outbox(network, 3);
  ASSERT_EQ(out.size(), 1u);  // no vote response at all: the stale vote request is dropped
  EXPECT_EQ(out[0].type, MessageType::kAppResp);
  EXPECT_EQ(out[0].term, Term{3});
  EXPECT_EQ(network.raft(3).leader(), NodeId{2});
}

// §5.2: "A server remains in follower state as long as it receives valid RPCs from a leader
// or candidate."
TEST(Paper, FollowerHearingFromTheLeaderNeverCampaigns) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  const Term term = network.raft(1).term();
  network.tick_all(200);  // twenty election timeouts, with heartbeats every tick
  for (uint64_t id : {2, 3}) {
    EXPECT_EQ(network.raft(id).role(), Role::kFollower);
    EXPECT_EQ(network.raft(id).term(), term);
  }
  EXPECT_EQ(network.count_sent(is_type(MessageType::kVote)), 2u);  // the first election only
}

// §5.2: "To begin an election, a follower increments its current term and transitions to
// candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of
// the other servers in the cluster."
TEST(Paper, FollowerStartsAnElectionAfterTheTimeout) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  Raft& raft = network.raft(1);
  for (int i = 0; i < 20 && raft.role() == Role::kFollower; ++i) raft.tick();
  EXPECT_EQ(raft.role(), Role::kCandidate);
  EXPECT_EQ(raft.term(), Term{2});
  EXPECT_EQ(raft.status().vote, NodeId{1});
  auto out = outbox(network, 1);
  ASSERT_EQ(out.size(), 2u);
  for (const Message& m : out) {
    EXPECT_EQ(m.type, MessageType::kVote);
    EXPECT_EQ(m.term, Term{2});
  }
  EXPECT_NE(out[0].to, out[1].to);
}

// §5.2: "Each server will vote for at most one candidate in a given term, on a
// first-come-first-served basis."
TEST(Paper, AtMostOneVotePerTermFirstComeFirstServed) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  Message first = message(MessageType::kVote, 2, 1, Term{2});
  first.index = Index{1};
  first.log_term = Term{1};
  Message second = first;
  second.from = NodeId{3};
  ASSERT_TRUE(network.raft(1).step(first).ok());
  ASSERT_TRUE(network.raft(1).step(second).ok());
  ASSERT_TRUE(network.raft(1).step(first).ok());  // a retransmission gets the same answer
  auto out = outbox(network, 1);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].to, NodeId{2});
  EXPECT_FALSE(out[0].reject);
  EXPECT_EQ(out[1].to, NodeId{3});
  EXPECT_TRUE(out[1].reject);
  EXPECT_EQ(out[2].to, NodeId{2});
  EXPECT_FALSE(out[2].reject);
  EXPECT_EQ(network.node(1).storage->hard_state().vote, NodeId{2});
}

// §5.2: "A candidate wins an election if it receives votes from a majority of the servers in
// the full cluster for the same term."
TEST(Paper, CandidateNeedsAMajorityOfTheFullCluster) {
  struct Case {
    std::vector<std::pair<uint64_t, bool>> answers;  // voter -> granted, for a 5-node cluster
    Role want;
  };
  const Case cases[] = {
      {{}, Role::kCandidate},                                   // 1 of 5 (itself)
      {{{2, true}}, Role::kCandidate},                          // 2 of 5
      {{{2, true}, {3, true}}, Role::kLeader},                  // 3 of 5
      {{{2, true}, {3, false}, {4, false}}, Role::kCandidate},  // still possible
      {{{2, false}, {3, false}, {4, false}}, Role::kFollower},  // lost
      {{{2, true}, {3, true}, {4, true}, {5, true}}, Role::kLeader},
  };
  for (const Case& c : cases) {
    Network network = Network::with_voters({1, 2, 3, 4, 5}, basic_raft());
    Raft& raft = network.raft(1);
    raft.campaign();
    outbox(network, 1);  // persists the vote for itself, which then counts
    for (const auto& [from, granted] : c.answers) {
      Message answer = message(MessageType::kVoteResp, from, 1, raft.term());
      answer.reject = !granted;
      ASSERT_TRUE(raft.step(answer).ok());
    }
    EXPECT_EQ(raft.role(), c.want) << c.answers.size() << " answers";
  }
}

// §5.2: "While waiting for votes, a candidate may receive an AppendEntries RPC from another
// server claiming to be leader. If the leader's term (included in its RPC) is at least as
// large as the candidate's current term, then the candidate recognizes the leader as
// legitimate and returns to follower state. If the term in the RPC is smaller than the
// candidate's current term, then the candidate rejects the RPC and continues in candidate
// state."
TEST(Paper, CandidateYieldsToALeaderOfItsTermButNotToAStaleOne) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  Raft& raft = network.raft(1);
  raft.campaign();
  const Term term = raft.term();
  Message stale = message(MessageType::kApp, 2, 1, term - 1);
  stale.index = Index{1};
  stale.log_term = Term{1};
  ASSERT_TRUE(raft.step(stale).ok());
  EXPECT_EQ(raft.role(), Role::kCandidate);
  Message current = message(MessageType::kApp, 2, 1, term);
  current.index = Index{1};
  current.log_term = Term{1};
  ASSERT_TRUE(raft.step(current).ok());
  EXPECT_EQ(raft.role(), Role::kFollower);
  EXPECT_EQ(raft.leader(), NodeId{2});
  EXPECT_EQ(raft.term(), term);
}

// §5.2: "Raft uses randomized election timeouts to ensure that split votes are rare and that
// they are resolved quickly."
TEST(Paper, FollowersDrawDifferentElectionTimeouts) {
  Network network = Network::with_voters({1, 2, 3, 4, 5});
  std::set<int> timeouts;
  for (NodeId id : network.ids()) {
    int ticks = 0;
    while (network.raft(id.value).role() == Role::kFollower && ticks < 100) {
      network.raft(id.value).tick();
      ++ticks;
    }
    timeouts.insert(ticks);
  }
  EXPECT_GE(timeouts.size(), 3u);
}

// §5.3: "The leader appends the command to its log as a new entry, then issues AppendEntries
// RPCs in parallel to each of the other servers to replicate the entry."
TEST(Paper, LeaderAppendsThenReplicatesInParallel) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.raft(1).propose("cmd").ok());
  Ready ready = network.raft(1).ready();
  ASSERT_EQ(ready.entries.size(), 1u);
  EXPECT_EQ(ready.entries[0].data, "cmd");
  EXPECT_EQ(ready.entries[0].term, network.raft(1).term());
  std::set<NodeId> to;
  for (const Message& m : ready.messages) {
    ASSERT_EQ(m.type, MessageType::kApp);
    ASSERT_EQ(m.entries.size(), 1u);
    EXPECT_EQ(m.entries[0], ready.entries[0]);
    to.insert(m.to);
  }
  EXPECT_EQ(to, (std::set<NodeId>{NodeId{2}, NodeId{3}}));
}

// §5.3: "A log entry is committed once the leader that created the entry has replicated it on
// a majority of the servers ... This also commits all preceding entries in the leader's log".
TEST(Paper, EntryCommitsOnAMajorityWithAllBeforeIt) {
  Network network = Network::with_voters({1, 2, 3, 4, 5}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  network.isolate(3);
  network.isolate(4);
  network.isolate(5);
  ASSERT_TRUE(network.propose(1, "a").ok());
  ASSERT_TRUE(network.propose(1, "b").ok());
  EXPECT_EQ(network.raft(1).log().committed(), Index{2});  // on 2 of 5
  network.heal();
  network.isolate(4);
  network.isolate(5);
  network.tick(1);  // a heartbeat lets node 3 catch up: 3 of 5
  EXPECT_EQ(network.raft(1).log().committed(), Index{4});
  EXPECT_EQ(network.node(1).state, (std::vector<std::string>{"a", "b"}));
}

// §5.3: "The leader keeps track of the highest index it knows to be committed, and it includes
// that index in future AppendEntries RPCs (including heartbeats) so that the other servers
// eventually find out. Once a follower learns that a log entry is committed, it applies the
// entry to its local state machine (in log order)."
TEST(Paper, FollowersLearnTheCommitIndexAndApplyInOrder) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  // Followers get the entries but not the news that they are committed.
  network.add_filter(
      [](const Message& m) { return m.type == MessageType::kApp && m.entries.empty(); });
  for (const char* value : {"x", "y", "z"}) ASSERT_TRUE(network.propose(1, value).ok());
  ASSERT_EQ(network.raft(1).log().committed(), Index{5});
  EXPECT_LT(network.raft(2).log().committed(), Index{5});
  network.clear_filters();
  network.tick(1);  // the heartbeat carries the commit index
  for (uint64_t id : {2, 3}) {
    EXPECT_EQ(network.raft(id).log().committed(), Index{5});
    EXPECT_EQ(network.node(id).state, (std::vector<std::string>{"x", "y", "z"}));
    const auto& applied = network.node(id).applied_indexes;
    EXPECT_TRUE(std::is_sorted(applied.begin(), applied.end()));
  }
}

// §5.3: "When sending an AppendEntries RPC, the leader includes the index and term of the
// entry in its log that immediately precedes the new entries. If the follower does not find
// an entry in its log with the same index and term, then it refuses the new entries."
TEST(Paper, FollowerRefusesEntriesWithoutAMatchingPredecessor) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  Raft& follower = network.raft(2);
  const Index last = follower.log().last_index();
  const Term term = follower.term();
  struct Case {
    Index prev_index;
    Term prev_term;
    bool accepted;
  };
  const Case cases[] = {
      {last, term, true},
      {last, term + 1, false},  // right index, wrong term
      {last + 5, term, false},  // beyond the follower's log
  };
  for (const Case& c : cases) {
    Message append = message(MessageType::kApp, 1, 2, term);
    append.index = c.prev_index;
    append.log_term = c.prev_term;
    append.entries = {make_entry(term.value, c.prev_index.value + 1, "e")};
    ASSERT_TRUE(follower.step(append).ok());
    auto out = outbox(network, 2);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].type, MessageType::kAppResp);
    EXPECT_EQ(out[0].reject, !c.accepted) << c.prev_index.value << "/" << c.prev_term.value;
    EXPECT_EQ(follower.log().last_index(), last + 1);  // only the first case appended
  }
}

// §5.3: "the leader handles inconsistencies by forcing the followers' logs to duplicate its
// own. This means that conflicting entries in follower logs will be overwritten with entries
// from the leader's log."
TEST(Paper, LeaderOverwritesConflictingFollowerEntries) {
  // Figure 7's flavour: followers with missing, extra and conflicting entries.
  const Snapshot snapshot = bootstrap_snapshot(node_ids({1, 2, 3, 4}));
  std::vector<Entry> leader_log;
  for (uint64_t i = 2; i <= 6; ++i) leader_log.push_back(make_entry(i <= 3 ? 1 : 4, i));
  std::vector<Entry> extra = leader_log;
  extra.push_back(make_entry(4, 7));
  extra.push_back(make_entry(4, 8));
  std::vector<Entry> conflicting = {make_entry(1, 2), make_entry(1, 3)};
  for (uint64_t i = 4; i <= 9; ++i) conflicting.push_back(make_entry(2, i));
  Network network(basic_raft());
  const HardState hard_state{Term{4}, kNoNode, Index{3}};
  network.add_member(NodeId{1}, snapshot, leader_log, hard_state);
  network.add_member(NodeId{2}, snapshot, {make_entry(1, 2)},
                     HardState{Term{4}, kNoNode, Index{2}});
  network.add_member(NodeId{3}, snapshot, extra, hard_state);
  network.add_member(NodeId{4}, snapshot, conflicting, hard_state);
  // Node 3's extra entries are of the leader's last term but were never committed; node 1
  // still wins with votes from nodes 2 and 4.
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.propose(1, "final").ok());
  const auto expected = testing::all_entries(network.raft(1));
  for (uint64_t id : {2, 3, 4}) EXPECT_EQ(testing::all_entries(network.raft(id)), expected) << id;
}

// §5.4.1: "Raft determines which of two logs is more up-to-date by comparing the index and
// term of the last entries in the logs. If the logs have last entries with different terms,
// then the log with the later term is more up-to-date. If the logs end with the same term,
// then whichever log is longer is more up-to-date." ... "the voter denies its vote if its own
// log is more up-to-date than that of the candidate."
TEST(Paper, VoterDeniesACandidateWithALessUpToDateLog) {
  // The voter's log ends at index 3 with term 2.
  struct Case {
    uint64_t last_index;
    uint64_t last_term;
    bool granted;
  };
  const Case cases[] = {
      {2, 2, false}, {3, 2, true}, {4, 2, true},  // same last term: longer or equal wins
      {9, 1, false},                              // older last term, however long
      {1, 3, true},                               // newer last term, however short
  };
  for (const Case& c : cases) {
    Network network(basic_raft());
    network.add_member(NodeId{1}, bootstrap_snapshot(node_ids({1, 2})),
                       {make_entry(1, 2), make_entry(2, 3)}, HardState{Term{2}, kNoNode, Index{1}});
    Message vote = message(MessageType::kVote, 2, 1, Term{3});
    vote.index = Index{c.last_index};
    vote.log_term = Term{c.last_term};
    ASSERT_TRUE(network.raft(1).step(vote).ok());
    auto out = outbox(network, 1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(!out[0].reject, c.granted) << c.last_index << "/" << c.last_term;
  }
}

// §5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only log
// entries from the leader's current term are committed by counting replicas".
TEST(Paper, LeaderDoesNotCommitAPreviousTermsEntryByCountingReplicas) {
  // Node 1 holds an entry of term 2 at index 2 that nobody else has. Elected in term 3, it
  // replicates index 2 to everyone, but commits it only with its own term-3 entry.
  const Snapshot snapshot = bootstrap_snapshot(node_ids({1, 2, 3}));
  NetworkOptions options = basic_raft();
  options.max_message_bytes = 1;  // one entry per append
  Network network(options);
  network.add_member(NodeId{1}, snapshot, {make_entry(2, 2, "old")},
                     HardState{Term{2}, kNoNode, Index{1}});
  network.add_member(NodeId{2}, snapshot, {}, HardState{Term{2}, kNoNode, Index{1}});
  network.add_member(NodeId{3}, snapshot, {}, HardState{Term{2}, kNoNode, Index{1}});
  // Only the old entry may reach the followers, not the new leader's empty entry at index 3
  // (the first probe, which they reject for lack of index 2, goes through).
  Network* net = &network;
  network.add_filter([net](const Message& m) {
    if (m.type != MessageType::kApp) return false;
    if (net->raft(m.to.value).log().last_index() < Index{2}) return false;
    for (const Entry& entry : m.entries) {
      if (entry.index >= Index{3}) return true;
    }
    return false;
  });
  ASSERT_TRUE(network.elect(1));
  for (uint64_t id : {2, 3}) ASSERT_EQ(network.raft(id).log().term_or_zero(Index{2}), Term{2});
  EXPECT_EQ(network.raft(1).log().committed(), Index{1});
  network.clear_filters();
  network.tick(1);
  EXPECT_EQ(network.raft(1).log().committed(), Index{3});
  EXPECT_EQ(network.node(1).state, (std::vector<std::string>{"old"}));
}

// Figure 2, "Persistent state on all servers: (Updated on stable storage before responding to
// RPCs)".
TEST(Paper, VoteIsPersistedBeforeTheResponseLeaves) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  Message vote = message(MessageType::kVote, 2, 1, Term{2});
  vote.index = Index{1};
  vote.log_term = Term{1};
  ASSERT_TRUE(network.raft(1).step(vote).ok());
  Ready ready = network.raft(1).ready();
  // The response is in the queue that leaves only after persisting, together with the state
  // it depends on.
  EXPECT_TRUE(ready.messages.empty());
  ASSERT_EQ(ready.messages_after_persist.size(), 1u);
  EXPECT_EQ(ready.messages_after_persist[0].type, MessageType::kVoteResp);
  ASSERT_TRUE(ready.hard_state.has_value());
  EXPECT_EQ(ready.hard_state->term, Term{2});
  EXPECT_EQ(ready.hard_state->vote, NodeId{2});
  EXPECT_TRUE(ready.must_sync());
}

// Only term and vote must be durable before anything leaves (Figure 2's persistent state);
// commitIndex is volatile state in the paper, so a Ready that only moves it is written to the
// WAL without an fdatasync.
TEST(Paper, ACommitIndexAloneIsPersistedWithoutASync) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  ASSERT_TRUE(network.raft(1).propose("x").ok());
  const Index entry = network.raft(1).status().last_index;
  // The leader appends (a Ready that must be synced) and replicates; both followers append and
  // acknowledge.
  ASSERT_TRUE(network.process_ready(NodeId{1}));
  network.deliver_queued();
  ASSERT_TRUE(network.process_ready(NodeId{2}));
  ASSERT_TRUE(network.process_ready(NodeId{3}));
  network.deliver_queued();
  // The entry is committed: the leader's next Ready moves the commit index and nothing else
  // that must be durable.
  Ready committed = network.raft(1).ready();
  ASSERT_TRUE(committed.hard_state.has_value());
  EXPECT_EQ(committed.hard_state->commit, entry);
  EXPECT_TRUE(committed.entries.empty());
  EXPECT_TRUE(committed.must_persist());
  EXPECT_FALSE(committed.must_sync());
}

// Figure 2, "Persistent state on all servers ... votedFor: candidateId that received vote in
// current term": a server that restarts must not vote twice in one term.
TEST(Paper, RestartedServerRemembersItsVote) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  Message vote = message(MessageType::kVote, 2, 1, Term{2});
  vote.index = Index{1};
  vote.log_term = Term{1};
  ASSERT_TRUE(network.raft(1).step(vote).ok());
  ASSERT_FALSE(outbox(network, 1)[0].reject);
  network.crash(1);
  network.restart(1);
  EXPECT_EQ(network.raft(1).term(), Term{2});
  Message rival = vote;
  rival.from = NodeId{3};
  ASSERT_TRUE(network.raft(1).step(rival).ok());
  auto out = outbox(network, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject);
}

// Figure 2, Rules for Servers, Leaders: "Upon election: send initial empty AppendEntries RPCs
// (heartbeat) to each server; repeat during idle periods to prevent election timeouts".
TEST(Paper, NewLeaderAnnouncesItselfAndKeepsSendingHeartbeats) {
  Network network = Network::with_voters({1, 2, 3}, basic_raft());
  ASSERT_TRUE(network.elect(1));
  // Chorus's first AppendEntries carries the leader's empty entry of its term (§8).
  EXPECT_GE(network.count_sent(is_type_to(MessageType::kApp, 2)), 1u);
  EXPECT_GE(network.count_sent(is_type_to(MessageType::kApp, 3)), 1u);
  network.clear_sent();
  network.tick(1, 5);
  EXPECT_EQ(network.count_sent(is_type_from(MessageType::kHeartbeat, 1)), 2u * 5u);
}

}  // namespace
}  // namespace chorus::raft
