// RaftLog: the stable log (MemoryStorage) plus the unstable tail, and the commit and apply
// cursors over both.
#include "raft/raft_log.h"

#include <gtest/gtest.h>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::InvariantViolation;
using testing::make_entry;
using testing::ThrowingInvariantHandler;

constexpr uint64_t kUnlimited = UINT64_MAX;

// A storage holding a snapshot at index 1 (term 1) and then `terms[i]` at index i+2.
std::unique_ptr<MemoryStorage> storage_with_terms(const std::vector<uint64_t>& terms) {
  auto storage = std::make_unique<MemoryStorage>();
  Snapshot snapshot;
  snapshot.metadata.index = Index{1};
  snapshot.metadata.term = Term{1};
  EXPECT_TRUE(storage->apply_snapshot(snapshot).ok());
  std::vector<Entry> entries;
  for (size_t i = 0; i < terms.size(); ++i) entries.push_back(make_entry(terms[i], i + 2));
  storage->append(entries);
  return storage;
}

std::vector<uint64_t> terms_of(const std::vector<Entry>& entries) {
  std::vector<uint64_t> out;
  for (const Entry& entry : entries) out.push_back(entry.term.value);
  return out;
}

TEST(RaftLog, StartsAfterTheStorageSnapshot) {
  auto storage = storage_with_terms({});
  RaftLog log(*storage, kUnlimited);
  EXPECT_EQ(log.first_index(), Index{2});
  EXPECT_EQ(log.last_index(), Index{1});
  EXPECT_EQ(log.last_term(), Term{1});
  EXPECT_EQ(log.committed(), Index{1});
  EXPECT_EQ(log.applied(), Index{1});
  EXPECT_EQ(log.persisted(), Index{1});
  // The snapshot's own index keeps its term; below is compacted, above is not there yet.
  EXPECT_EQ(*log.term(Index{1}), Term{1});
  EXPECT_EQ(log.term(Index{0}).error(), Error::kCompacted);
  EXPECT_EQ(log.term(Index{2}).error(), Error::kUnavailable);
  EXPECT_EQ(log.term_or_zero(Index{2}), Term{});
}

TEST(RaftLog, AppendGoesToTheUnstableTail) {
  auto storage = storage_with_terms({1, 1});
  RaftLog log(*storage, kUnlimited);
  EXPECT_EQ(log.append({make_entry(2, 4), make_entry(2, 5)}), Index{5});
  EXPECT_EQ(log.last_index(), Index{5});
  EXPECT_EQ(log.last_term(), Term{2});
  EXPECT_EQ(log.persisted(), Index{3});
  ASSERT_EQ(log.unstable_entries().size(), 2u);
  EXPECT_EQ(*log.term(Index{3}), Term{1});
  EXPECT_EQ(*log.term(Index{4}), Term{2});
  EXPECT_EQ(log.append({}), Index{5});
}

TEST(RaftLog, MaybeAppendRejectsWhenPreviousEntryDoesNotMatch) {
  auto storage = storage_with_terms({1, 2, 2});
  RaftLog log(*storage, kUnlimited);
  // Wrong term at the previous index, and a previous index beyond the log.
  EXPECT_EQ(log.maybe_append(Index{3}, Term{1}, Index{4}, {make_entry(3, 4)}), std::nullopt);
  EXPECT_EQ(log.maybe_append(Index{6}, Term{2}, Index{4}, {make_entry(3, 7)}), std::nullopt);
  EXPECT_EQ(log.last_index(), Index{4});
  EXPECT_EQ(log.committed(), Index{1});
}

TEST(RaftLog, MaybeAppendTruncatesAConflictingSuffix) {
  auto storage = storage_with_terms({1, 1, 2, 2, 2});  // indexes 2..6
  RaftLog log(*storage, kUnlimited);
  auto last = log.maybe_append(Index{3}, Term{1}, Index{1}, {make_entry(3, 4), make_entry(3, 5)});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, Index{5});
  // Index 6 (term 2) followed the conflict and is gone.
  EXPECT_EQ(log.last_index(), Index{5});
  EXPECT_EQ(terms_of(*log.entries_from(Index{2}, kUnlimited)), (std::vector<uint64_t>{1, 1, 3, 3}));
  // The storage still holds the stale entries; they are no longer part of the persisted log.
  EXPECT_EQ(log.persisted(), Index{3});
}

TEST(RaftLog, MaybeAppendOfAnOldPrefixKeepsLaterEntries) {
  // A delayed AppendEntries that carries entries we already have must not truncate the
  // entries after them (they may be acknowledged to the leader already).
  auto storage = storage_with_terms({1, 2, 2, 2});  // indexes 2..5
  RaftLog log(*storage, kUnlimited);
  auto last = log.maybe_append(Index{2}, Term{1}, Index{1}, {make_entry(2, 3)});
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, Index{3});
  EXPECT_EQ(log.last_index(), Index{5});
  EXPECT_TRUE(log.unstable_entries().empty());
}

TEST(RaftLog, MaybeAppendCommitsTheMinimumOfLeaderCommitAndLastNewEntry) {
  auto storage = storage_with_terms({1, 1, 1, 1, 1});  // indexes 2..6
  RaftLog log(*storage, kUnlimited);
  // Figure 2, step 5: commitIndex = min(leaderCommit, index of last new entry). The leader's
  // commit is beyond what this message proves we share with it.
  ASSERT_TRUE(log.maybe_append(Index{2}, Term{1}, Index{6}, {make_entry(1, 3)}));
  EXPECT_EQ(log.committed(), Index{3});
  ASSERT_TRUE(log.maybe_append(Index{3}, Term{1}, Index{5}, {make_entry(1, 4), make_entry(1, 5)}));
  EXPECT_EQ(log.committed(), Index{5});
}

TEST(RaftLog, CommitNeverDecreases) {
  auto storage = storage_with_terms({1, 1, 1, 1});
  RaftLog log(*storage, kUnlimited);
  log.commit_to(Index{4});
  log.commit_to(Index{2});
  EXPECT_EQ(log.committed(), Index{4});
  // A stale AppendEntries with an older leader commit does not move it back either.
  ASSERT_TRUE(log.maybe_append(Index{2}, Term{1}, Index{2}, {}));
  EXPECT_EQ(log.committed(), Index{4});
  EXPECT_FALSE(log.maybe_commit(Index{3}, Term{1}));
  EXPECT_EQ(log.committed(), Index{4});
}

TEST(RaftLog, MaybeCommitRequiresTheGivenTermAtTheIndex) {
  auto storage = storage_with_terms({1, 2, 3});  // indexes 2..4
  RaftLog log(*storage, kUnlimited);
  EXPECT_FALSE(log.maybe_commit(Index{3}, Term{3}));  // index 3 holds term 2
  EXPECT_EQ(log.committed(), Index{1});
  EXPECT_TRUE(log.maybe_commit(Index{4}, Term{3}));
  EXPECT_EQ(log.committed(), Index{4});
  EXPECT_FALSE(log.maybe_commit(Index{9}, Term{3}));  // beyond the log: term unknown
}

TEST(RaftLog, TruncatingACommittedEntryIsAnInvariantFailure) {
  ThrowingInvariantHandler handler;
  auto storage = storage_with_terms({1, 1, 1});
  RaftLog log(*storage, kUnlimited);
  log.commit_to(Index{3});
  EXPECT_THROW(log.maybe_append(Index{2}, Term{1}, Index{3}, {make_entry(2, 3)}),
               InvariantViolation);
}

TEST(RaftLog, CommitBeyondTheLastIndexIsAnInvariantFailure) {
  ThrowingInvariantHandler handler;
  auto storage = storage_with_terms({1});
  RaftLog log(*storage, kUnlimited);
  EXPECT_THROW(log.commit_to(Index{3}), InvariantViolation);
  EXPECT_THROW(log.applied_to(Index{2}), InvariantViolation);  // applied beyond commit
}

TEST(RaftLog, FindConflictByTermSkipsWholeTerms) {
  // Index: 1(snapshot) 2 3 4 5 6 7
  // Term:  1           1 2 2 4 4 4
  auto storage = storage_with_terms({1, 2, 2, 4, 4, 4});
  RaftLog log(*storage, kUnlimited);
  struct Case {
    uint64_t index;
    uint64_t term;
    uint64_t want_index;
    uint64_t want_term;
  };
  const Case cases[] = {
      {7, 5, 7, 4},                // our entry is older than the leader's: it may match
      {7, 4, 7, 4},                // same term
      {7, 3, 4, 2},                // skip all of term 4
      {7, 2, 4, 2}, {7, 1, 2, 1},  // skip terms 4 and 2
      {4, 2, 4, 2}, {3, 1, 2, 1},
      {7, 0, 0, 0},  // nothing is <= term 0: walk to index 0, below the snapshot
  };
  for (const Case& c : cases) {
    auto [index, term] = log.find_conflict_by_term(Index{c.index}, Term{c.term});
    EXPECT_EQ(index, Index{c.want_index}) << "index " << c.index << " term " << c.term;
    EXPECT_EQ(term, Term{c.want_term}) << "index " << c.index << " term " << c.term;
  }
}

TEST(RaftLog, FindConflictByTermStopsAtCompactedEntries) {
  auto storage = storage_with_terms({2, 3, 3, 3});  // indexes 2..5
  ASSERT_TRUE(storage->compact(Index{3}).ok());     // first index 4, term(3) still known
  RaftLog log(*storage, kUnlimited);
  // Index 2 is compacted: its term is unknown, so the hint stops there with term 0.
  auto [index, term] = log.find_conflict_by_term(Index{5}, Term{1});
  EXPECT_EQ(index, Index{2});
  EXPECT_EQ(term, Term{});
}

TEST(RaftLog, IsUpToDateComparesLastTermThenLength) {
  auto storage = storage_with_terms({1, 2, 2});  // last entry: index 4, term 2
  RaftLog log(*storage, kUnlimited);
  EXPECT_TRUE(log.is_up_to_date(Index{2}, Term{3}));   // higher last term, shorter log
  EXPECT_TRUE(log.is_up_to_date(Index{4}, Term{2}));   // same term, same length
  EXPECT_TRUE(log.is_up_to_date(Index{9}, Term{2}));   // same term, longer
  EXPECT_FALSE(log.is_up_to_date(Index{3}, Term{2}));  // same term, shorter
  EXPECT_FALSE(log.is_up_to_date(Index{9}, Term{1}));  // lower last term, however long
}

TEST(RaftLog, SliceSpansStableAndUnstableEntries) {
  auto storage = storage_with_terms({1, 1, 1});  // stable 2..4
  RaftLog log(*storage, kUnlimited);
  log.append({make_entry(2, 5), make_entry(2, 6), make_entry(2, 7)});  // unstable 5..7
  auto slice = log.slice(Index{3}, Index{7}, kUnlimited);
  ASSERT_TRUE(slice.ok());
  ASSERT_EQ(slice->size(), 4u);
  EXPECT_EQ(slice->front().index, Index{3});
  EXPECT_EQ(slice->back().index, Index{6});
  EXPECT_EQ(terms_of(*slice), (std::vector<uint64_t>{1, 1, 2, 2}));
  EXPECT_TRUE(log.slice(Index{4}, Index{4}, kUnlimited)->empty());
  EXPECT_EQ(log.slice(Index{1}, Index{3}, kUnlimited).error(), Error::kCompacted);
  EXPECT_EQ(log.slice(Index{5}, Index{9}, kUnlimited).error(), Error::kUnavailable);
  EXPECT_TRUE(log.entries_from(Index{8}, kUnlimited)->empty());
}

TEST(RaftLog, SliceByteLimitReturnsAtLeastOneEntryAndNoGaps) {
  auto storage = storage_with_terms({1, 1});  // stable 2..3
  RaftLog log(*storage, kUnlimited);
  log.append({make_entry(2, 4), make_entry(2, 5)});
  const uint64_t one = make_entry(1, 2).size_bytes();
  // A limit smaller than one entry still returns one.
  EXPECT_EQ(log.slice(Index{2}, Index{6}, 1)->size(), 1u);
  // Two entries' worth stops at the storage boundary.
  EXPECT_EQ(log.slice(Index{2}, Index{6}, 2 * one)->size(), 2u);
  // Three entries' worth crosses into the unstable tail without skipping any index.
  auto three = log.slice(Index{2}, Index{6}, 3 * one);
  ASSERT_EQ(three->size(), 3u);
  EXPECT_EQ(three->back().index, Index{4});
  // Starting in the unstable tail, the limit applies there too.
  EXPECT_EQ(log.slice(Index{4}, Index{6}, 1)->size(), 1u);
}

TEST(RaftLog, OnlyPersistedCommittedEntriesAreHandedToTheStateMachine) {
  auto storage = storage_with_terms({});
  RaftLog log(*storage, kUnlimited);
  log.append({make_entry(1, 2), make_entry(1, 3), make_entry(1, 4)});
  log.commit_to(Index{4});
  // Committed but not on our disk yet: applying it could lose it in a crash.
  EXPECT_FALSE(log.has_next_committed_entries());
  EXPECT_TRUE(log.next_committed_entries().empty());
  storage->append({make_entry(1, 2), make_entry(1, 3)});
  log.stable_to(Index{3}, Term{1});
  ASSERT_TRUE(log.has_next_committed_entries());
  auto next = log.next_committed_entries();
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next.back().index, Index{3});
  log.applied_to(Index{3});
  EXPECT_FALSE(log.has_next_committed_entries());
}

TEST(RaftLog, NextCommittedEntriesRespectTheApplyByteLimit) {
  auto storage = storage_with_terms({1, 1, 1, 1});
  const uint64_t one = make_entry(1, 2).size_bytes();
  RaftLog log(*storage, 2 * one);
  log.commit_to(Index{5});
  EXPECT_EQ(log.next_committed_entries().size(), 2u);
  log.applied_to(Index{3});
  EXPECT_EQ(log.next_committed_entries().size(), 2u);
  log.applied_to(Index{5});
  EXPECT_TRUE(log.next_committed_entries().empty());
}

TEST(RaftLog, StableToIgnoresEntriesReplacedSinceTheReady) {
  auto storage = storage_with_terms({});
  RaftLog log(*storage, kUnlimited);
  log.append({make_entry(1, 2), make_entry(1, 3), make_entry(1, 4)});
  // A new leader overwrites 3..4 before the driver reports 2..4 persisted.
  ASSERT_TRUE(log.maybe_append(Index{2}, Term{1}, Index{1}, {make_entry(2, 3)}));
  log.stable_to(Index{4}, Term{1});
  EXPECT_EQ(log.persisted(), Index{1});
  EXPECT_EQ(log.unstable_entries().size(), 2u);
  log.stable_to(Index{2}, Term{1});
  EXPECT_EQ(log.persisted(), Index{2});
}

TEST(RaftLog, RestoreReplacesTheLogWithASnapshot) {
  auto storage = storage_with_terms({1, 1});
  RaftLog log(*storage, kUnlimited);
  Snapshot snapshot;
  snapshot.metadata.index = Index{10};
  snapshot.metadata.term = Term{3};
  log.restore(snapshot);
  EXPECT_EQ(log.first_index(), Index{11});
  EXPECT_EQ(log.last_index(), Index{10});
  EXPECT_EQ(log.last_term(), Term{3});
  EXPECT_EQ(log.committed(), Index{10});
  // Nothing is applied from the log while the snapshot waits to be installed.
  EXPECT_FALSE(log.has_next_committed_entries());
  ASSERT_TRUE(log.snapshot().ok());
  EXPECT_EQ(log.snapshot()->metadata.index, Index{10});
  ASSERT_TRUE(storage->apply_snapshot(snapshot).ok());
  log.stable_snapshot_to(Index{10});
  log.applied_to(Index{10});
  EXPECT_FALSE(log.unstable_snapshot().has_value());
  EXPECT_EQ(log.first_index(), Index{11});
  EXPECT_EQ(log.applied(), Index{10});
}

}  // namespace
}  // namespace chorus::raft
