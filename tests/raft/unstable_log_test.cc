// UnstableLog: entries and a snapshot the driver has not persisted yet.
#include "raft/unstable_log.h"

#include <gtest/gtest.h>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::make_entry;

Snapshot snapshot_at(uint64_t index, uint64_t term) {
  Snapshot snapshot;
  snapshot.metadata.index = Index{index};
  snapshot.metadata.term = Term{term};
  return snapshot;
}

TEST(UnstableLog, EmptyKnowsNoIndexes) {
  UnstableLog log(Index{5});
  EXPECT_EQ(log.offset(), Index{5});
  EXPECT_EQ(log.maybe_first_index(), std::nullopt);
  EXPECT_EQ(log.maybe_last_index(), std::nullopt);
  EXPECT_EQ(log.maybe_term(Index{4}), std::nullopt);
  EXPECT_EQ(log.maybe_term(Index{5}), std::nullopt);
}

TEST(UnstableLog, EntriesGiveTheLastIndexAndTerms) {
  UnstableLog log(Index{5});
  log.truncate_and_append({make_entry(1, 5), make_entry(2, 6)});
  // Only a snapshot determines the first index; entries alone leave it to the storage.
  EXPECT_EQ(log.maybe_first_index(), std::nullopt);
  EXPECT_EQ(log.maybe_last_index(), Index{6});
  EXPECT_EQ(log.maybe_term(Index{5}), Term{1});
  EXPECT_EQ(log.maybe_term(Index{6}), Term{2});
  EXPECT_EQ(log.maybe_term(Index{7}), std::nullopt);
  EXPECT_EQ(log.maybe_term(Index{4}), std::nullopt);
}

TEST(UnstableLog, SnapshotGivesFirstAndLastIndex) {
  UnstableLog log(Index{1});
  log.restore(snapshot_at(10, 3));
  EXPECT_EQ(log.offset(), Index{11});
  EXPECT_EQ(log.maybe_first_index(), Index{11});
  EXPECT_EQ(log.maybe_last_index(), Index{10});
  EXPECT_EQ(log.maybe_term(Index{10}), Term{3});
  EXPECT_EQ(log.maybe_term(Index{9}), std::nullopt);
  log.truncate_and_append({make_entry(3, 11)});
  EXPECT_EQ(log.maybe_last_index(), Index{11});
}

TEST(UnstableLog, RestoreDropsUnstableEntries) {
  UnstableLog log(Index{5});
  log.truncate_and_append({make_entry(1, 5), make_entry(1, 6)});
  log.restore(snapshot_at(20, 4));
  EXPECT_TRUE(log.entries().empty());
  EXPECT_EQ(log.maybe_last_index(), Index{20});
}

TEST(UnstableLog, StableToMovesPersistedEntriesOut) {
  UnstableLog log(Index{5});
  log.truncate_and_append({make_entry(1, 5), make_entry(1, 6), make_entry(2, 7)});
  log.stable_to(Index{6}, Term{1});
  EXPECT_EQ(log.offset(), Index{7});
  ASSERT_EQ(log.entries().size(), 1u);
  EXPECT_EQ(log.entries().front().index, Index{7});
}

TEST(UnstableLog, StableToIgnoresMismatchedOrUnknownEntries) {
  UnstableLog log(Index{5});
  log.truncate_and_append({make_entry(1, 5), make_entry(1, 6)});
  log.stable_to(Index{6}, Term{2});  // replaced since: term differs
  log.stable_to(Index{8}, Term{1});  // never appended
  log.stable_to(Index{4}, Term{1});  // below the unstable entries
  EXPECT_EQ(log.offset(), Index{5});
  EXPECT_EQ(log.entries().size(), 2u);
}

TEST(UnstableLog, StableToDoesNotConfuseASnapshotWithAnEntry) {
  UnstableLog log(Index{1});
  log.restore(snapshot_at(10, 3));
  // The snapshot's index has a term, but it is not an unstable entry.
  log.stable_to(Index{10}, Term{3});
  EXPECT_EQ(log.offset(), Index{11});
  EXPECT_TRUE(log.snapshot().has_value());
}

TEST(UnstableLog, StableSnapshotToClearsOnlyTheMatchingSnapshot) {
  UnstableLog log(Index{1});
  log.restore(snapshot_at(10, 3));
  log.stable_snapshot_to(Index{9});
  EXPECT_TRUE(log.snapshot().has_value());
  log.stable_snapshot_to(Index{10});
  EXPECT_FALSE(log.snapshot().has_value());
  EXPECT_EQ(log.maybe_first_index(), std::nullopt);
}

TEST(UnstableLog, TruncateAndAppendHandlesAppendReplaceAndTruncate) {
  // Plain append after the last entry.
  UnstableLog append(Index{5});
  append.truncate_and_append({make_entry(1, 5)});
  append.truncate_and_append({make_entry(1, 6), make_entry(1, 7)});
  EXPECT_EQ(append.maybe_last_index(), Index{7});
  EXPECT_EQ(append.offset(), Index{5});

  // New entries start at or before the offset: everything unstable is replaced.
  UnstableLog replace(Index{5});
  replace.truncate_and_append({make_entry(1, 5), make_entry(1, 6)});
  replace.truncate_and_append({make_entry(2, 4), make_entry(2, 5)});
  EXPECT_EQ(replace.offset(), Index{4});
  EXPECT_EQ(replace.maybe_last_index(), Index{5});
  EXPECT_EQ(replace.maybe_term(Index{5}), Term{2});

  // New entries start inside the unstable entries: the suffix is replaced.
  UnstableLog truncate(Index{5});
  truncate.truncate_and_append({make_entry(1, 5), make_entry(1, 6), make_entry(1, 7)});
  truncate.truncate_and_append({make_entry(3, 6)});
  EXPECT_EQ(truncate.offset(), Index{5});
  EXPECT_EQ(truncate.maybe_last_index(), Index{6});
  EXPECT_EQ(truncate.maybe_term(Index{5}), Term{1});
  EXPECT_EQ(truncate.maybe_term(Index{6}), Term{3});

  // Nothing to append changes nothing.
  truncate.truncate_and_append({});
  EXPECT_EQ(truncate.maybe_last_index(), Index{6});
}

TEST(UnstableLog, SliceReturnsTheRange) {
  UnstableLog log(Index{5});
  log.truncate_and_append({make_entry(1, 5), make_entry(1, 6), make_entry(2, 7)});
  auto slice = log.slice(Index{6}, Index{8});
  ASSERT_EQ(slice.size(), 2u);
  EXPECT_EQ(slice[0].index, Index{6});
  EXPECT_EQ(slice[1].index, Index{7});
  EXPECT_TRUE(log.slice(Index{6}, Index{6}).empty());
}

}  // namespace
}  // namespace chorus::raft
