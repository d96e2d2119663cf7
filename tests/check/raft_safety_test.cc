#include "check/raft_safety.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace chorus::check {
namespace {

using EntryId = RaftSafetyMonitor::EntryId;
using LogView = RaftSafetyMonitor::LogView;

// A leader's log as a lookup; indexes outside the map are not held.
RaftSafetyMonitor::LogLookup log_of(std::map<uint64_t, EntryId> entries) {
  return [entries = std::move(entries)](uint64_t index) -> std::optional<EntryId> {
    const auto it = entries.find(index);
    if (it == entries.end()) return std::nullopt;
    return it->second;
  };
}

void expect_mentions(const std::optional<std::string>& violation,
                     std::initializer_list<const char*> parts) {
  ASSERT_TRUE(violation.has_value());
  for (const char* part : parts) {
    EXPECT_NE(violation->find(part), std::string::npos) << "missing '" << part << "' in\n"
                                                        << *violation;
  }
}

// --- Election Safety --------------------------------------------------------------------------

TEST(ElectionSafety, OneLeaderPerTermHolds) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.leader_elected(1, 1), std::nullopt);
  EXPECT_EQ(monitor.leader_elected(2, 2), std::nullopt);
  EXPECT_EQ(monitor.leader_elected(3, 1), std::nullopt);
  // Reporting the same leader twice is not a second leader.
  EXPECT_EQ(monitor.leader_elected(3, 1), std::nullopt);
}

TEST(ElectionSafety, SecondLeaderInATermIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.leader_elected(4, 1), std::nullopt);
  expect_mentions(monitor.leader_elected(4, 3), {"Election Safety", "node 3", "node 1", "term 4"});
}

// --- State Machine Safety ---------------------------------------------------------------------

TEST(StateMachineSafety, NodesApplyingTheSameEntriesHolds) {
  RaftSafetyMonitor monitor;
  for (uint64_t node = 1; node <= 3; ++node) {
    for (uint64_t index = 1; index <= 5; ++index) {
      EXPECT_EQ(monitor.entry_applied(node, index, /*term=*/1, /*digest=*/100 + index),
                std::nullopt);
    }
  }
  EXPECT_EQ(monitor.applied_count(), 5u);
}

TEST(StateMachineSafety, DifferentDigestAtAnAppliedIndexIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.entry_applied(1, 1, 1, 0xaa), std::nullopt);
  expect_mentions(monitor.entry_applied(2, 1, 1, 0xbb),
                  {"State Machine Safety", "index 1", "node 2", "node 1", "0x00000000000000bb",
                   "0x00000000000000aa"});
}

TEST(StateMachineSafety, DifferentTermAtAnAppliedIndexIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.entry_applied(1, 1, 1, 0xaa), std::nullopt);
  expect_mentions(monitor.entry_applied(2, 1, 2, 0xaa), {"index 1", "term 2", "term 1"});
}

TEST(StateMachineSafety, ApplyingAnIndexTwiceIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.entry_applied(1, 1, 1, 1), std::nullopt);
  EXPECT_EQ(monitor.entry_applied(1, 2, 1, 2), std::nullopt);
  expect_mentions(monitor.entry_applied(1, 2, 1, 2), {"node 1", "index 2", "twice"});
}

TEST(StateMachineSafety, SkippingAnIndexIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.entry_applied(1, 1, 1, 1), std::nullopt);
  expect_mentions(monitor.entry_applied(1, 3, 1, 3), {"node 1", "index 3", "skipped"});
  // Reported once: the node is followed from where it now is.
  EXPECT_EQ(monitor.entry_applied(1, 4, 1, 4), std::nullopt);
}

TEST(StateMachineSafety, RestartedNodeMayApplyAgainFromItsDurableState) {
  RaftSafetyMonitor monitor;
  for (uint64_t index = 1; index <= 3; ++index) {
    EXPECT_EQ(monitor.entry_applied(1, index, 1, index), std::nullopt);
  }
  monitor.state_reset(1, /*applied_index=*/1);
  EXPECT_EQ(monitor.entry_applied(1, 2, 1, 2), std::nullopt);
  EXPECT_EQ(monitor.entry_applied(1, 3, 1, 3), std::nullopt);
}

TEST(StateMachineSafety, RestartedNodeApplyingADifferentEntryIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.entry_applied(1, 1, 1, 1), std::nullopt);
  EXPECT_EQ(monitor.entry_applied(1, 2, 1, 2), std::nullopt);
  monitor.state_reset(1, 1);
  expect_mentions(monitor.entry_applied(1, 2, 2, 99), {"index 2", "node 1"});
}

TEST(StateMachineSafety, SnapshotMovesTheNextExpectedIndex) {
  RaftSafetyMonitor monitor;
  monitor.state_reset(2, /*applied_index=*/10);
  EXPECT_EQ(monitor.entry_applied(2, 11, 3, 11), std::nullopt);
}

// --- Leader Completeness ----------------------------------------------------------------------

TEST(LeaderCompleteness, LeaderHoldingEveryAppliedEntryHolds) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.leader_elected(1, 1), std::nullopt);
  for (uint64_t index = 1; index <= 3; ++index) {
    EXPECT_EQ(monitor.entry_applied(1, index, 1, index), std::nullopt);
  }
  EXPECT_EQ(monitor.check_leader_completeness(2, 2, log_of({{1, {1, 1}}, {2, {1, 2}}, {3, {1, 3}}}),
                                              /*first_index=*/1),
            std::nullopt);
}

TEST(LeaderCompleteness, LeaderMissingAnAppliedEntryIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.leader_elected(1, 1), std::nullopt);
  for (uint64_t index = 1; index <= 3; ++index) {
    EXPECT_EQ(monitor.entry_applied(1, index, 1, index), std::nullopt);
  }
  expect_mentions(monitor.check_leader_completeness(2, 2, log_of({{1, {1, 1}}, {2, {1, 2}}}), 1),
                  {"Leader Completeness", "node 2", "term 2", "index 3", "holds nothing"});
}

TEST(LeaderCompleteness, LeaderWithADifferentEntryIsAViolation) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.leader_elected(1, 1), std::nullopt);
  EXPECT_EQ(monitor.entry_applied(1, 1, 1, 1), std::nullopt);
  EXPECT_EQ(monitor.entry_applied(1, 2, 1, 2), std::nullopt);
  expect_mentions(monitor.check_leader_completeness(3, 2, log_of({{1, {1, 1}}, {2, {2, 7}}}), 1),
                  {"index 2", "holds (term 2", "node 1 applied (term 1"});
}

TEST(LeaderCompleteness, IndexesBeforeTheLeadersFirstIndexAreNotChecked) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.leader_elected(1, 1), std::nullopt);
  for (uint64_t index = 1; index <= 4; ++index) {
    EXPECT_EQ(monitor.entry_applied(1, index, 1, index), std::nullopt);
  }
  // Indexes 1 and 2 were compacted into the leader's snapshot.
  EXPECT_EQ(monitor.check_leader_completeness(2, 2, log_of({{3, {1, 3}}, {4, {1, 4}}}), 3),
            std::nullopt);
}

TEST(LeaderCompleteness, LateReportedLeaderOfALowerTermIsNotHeldToLaterCommits) {
  RaftSafetyMonitor monitor;
  EXPECT_EQ(monitor.leader_elected(5, 1), std::nullopt);
  EXPECT_EQ(monitor.entry_applied(1, 1, 5, 1), std::nullopt);
  // Node 2 won term 4 with votes cast before term 5 began; its win is learned only now. Index 1
  // was committed in term 5, which binds leaders of later terms only.
  EXPECT_EQ(monitor.leader_elected(4, 2), std::nullopt);
  EXPECT_EQ(monitor.check_leader_completeness(4, 2, log_of({}), 1), std::nullopt);
  expect_mentions(monitor.check_leader_completeness(6, 3, log_of({}), 1), {"node 3", "index 1"});
}

// --- Log Matching -----------------------------------------------------------------------------

TEST(LogMatching, IdenticalLogsHold) {
  const LogView a{1, 1, {{1, 1}, {1, 2}, {2, 3}}};
  const LogView b{2, 1, {{1, 1}, {1, 2}, {2, 3}}};
  EXPECT_EQ(RaftSafetyMonitor::check_log_matching({a, b}), std::nullopt);
}

TEST(LogMatching, LogsDivergingAfterTheirLastCommonTermHold) {
  // An uncommitted tail from term 2 on node 1, overwritten by term 3 on node 2.
  const LogView a{1, 1, {{1, 1}, {1, 2}, {2, 3}, {2, 4}}};
  const LogView b{2, 1, {{1, 1}, {1, 2}, {3, 5}}};
  const LogView c{3, 1, {{1, 1}}};
  EXPECT_EQ(RaftSafetyMonitor::check_log_matching({a, b, c}), std::nullopt);
}

TEST(LogMatching, SameIndexAndTermWithDifferentEntriesIsAViolation) {
  const LogView a{1, 1, {{1, 1}, {2, 2}}};
  const LogView b{2, 1, {{1, 1}, {2, 9}}};
  expect_mentions(RaftSafetyMonitor::check_log_matching({a, b}),
                  {"Log Matching", "node 1", "node 2", "term 2", "index 2"});
}

TEST(LogMatching, AgreeingTermWithDifferentHistoryBeforeItIsAViolation) {
  const LogView a{1, 1, {{1, 1}, {1, 2}, {3, 3}}};
  const LogView b{2, 1, {{1, 1}, {2, 7}, {3, 3}}};
  expect_mentions(
      RaftSafetyMonitor::check_log_matching({a, b}),
      {"term 3 at index 3", "at index 2", "node 1 holds (term 1", "node 2 holds (term 2"});
}

TEST(LogMatching, OnlyIndexesBothLogsStillHoldAreCompared) {
  // Node 2 compacted up to index 3; what node 1 holds before that is not compared.
  const LogView a{1, 1, {{1, 1}, {1, 2}, {1, 3}, {2, 4}}};
  const LogView b{2, 4, {{2, 4}, {2, 5}}};
  const LogView empty{3, 1, {}};
  EXPECT_EQ(RaftSafetyMonitor::check_log_matching({a, b, empty}), std::nullopt);
  const LogView disjoint{4, 10, {{5, 10}}};
  EXPECT_EQ(RaftSafetyMonitor::check_log_matching({a, disjoint}), std::nullopt);
  const LogView bad{5, 4, {{2, 8}}};
  expect_mentions(RaftSafetyMonitor::check_log_matching({a, bad}), {"node 1", "node 5", "index 4"});
}

}  // namespace
}  // namespace chorus::check
