#include "storage/log_replay.h"

#include <gtest/gtest.h>

#include "storage_test_util.h"

namespace chorus::storage {
namespace {

using testing::indexes_of;
using testing::make_entry;

class LogReplayTest : public ::testing::Test {
 protected:
  void entry(uint64_t index, uint64_t term) {
    ASSERT_STORAGE_OK(replay.on_entry(make_entry(index, term), "seg", offset++));
  }
  Status try_entry(uint64_t index, uint64_t term) {
    return replay.on_entry(make_entry(index, term), "seg", offset++);
  }
  void marker(uint64_t index, uint64_t term) {
    replay.on_snapshot_marker({raft::Index(index), raft::Term(term)});
  }
  RecoveredState finish() {
    Result<RecoveredState> state = std::move(replay).finish("dir");
    EXPECT_TRUE(state.ok()) << state.status().to_string();
    return std::move(state).value();
  }

  LogReplay replay;
  uint64_t offset = 0;
};

TEST_F(LogReplayTest, AppendsInOrder) {
  for (uint64_t i = 1; i <= 5; ++i) entry(i, 1);
  EXPECT_EQ(indexes_of(finish().entries), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

// Raft §5.3: "If an existing entry conflicts with a new one (same index but different terms),
// delete the existing entry and all that follow it".
TEST_F(LogReplayTest, AnEntryReplacesTheLogFromItsIndexOn) {
  for (uint64_t i = 1; i <= 5; ++i) entry(i, 1);
  entry(3, 2);
  entry(4, 2);
  const RecoveredState state = finish();
  EXPECT_EQ(indexes_of(state.entries), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(state.entries[2].term, raft::Term(2));
  EXPECT_EQ(state.entries[3].term, raft::Term(2));
}

TEST_F(LogReplayTest, AGapIsCorruptionNamingTheOffset) {
  entry(1, 1);
  entry(2, 1);
  const Status status = try_entry(4, 1);
  EXPECT_EQ(status.code(), Errc::kCorrupt);
  EXPECT_NE(status.message().find("seg: offset 2"), std::string::npos) << status.message();
}

TEST_F(LogReplayTest, TermsNeverDecrease) {
  entry(1, 2);
  EXPECT_EQ(try_entry(2, 1).code(), Errc::kCorrupt);
}

TEST_F(LogReplayTest, MarkerDropsCoveredEntries) {
  for (uint64_t i = 1; i <= 10; ++i) entry(i, 1);
  marker(6, 1);
  const RecoveredState state = finish();
  EXPECT_EQ(indexes_of(state.entries), (std::vector<uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(state.snapshot.index, raft::Index(6));
}

TEST_F(LogReplayTest, MarkerWithAnotherTermDropsEverything) {
  for (uint64_t i = 1; i <= 10; ++i) entry(i, 1);
  marker(6, 2);  // a leader's snapshot from another history
  entry(7, 2);
  EXPECT_EQ(indexes_of(finish().entries), (std::vector<uint64_t>{7}));
}

TEST_F(LogReplayTest, MarkerBeyondTheLogDropsEverything) {
  for (uint64_t i = 1; i <= 3; ++i) entry(i, 1);
  marker(20, 3);
  const RecoveredState state = finish();
  EXPECT_TRUE(state.entries.empty());
  EXPECT_EQ(state.last_index(), raft::Index(20));
}

TEST_F(LogReplayTest, EntriesBelowTheMarkerAreIgnored) {
  marker(5, 1);
  entry(3, 1);
  entry(6, 1);
  EXPECT_EQ(indexes_of(finish().entries), (std::vector<uint64_t>{6}));
}

TEST_F(LogReplayTest, OlderMarkerCopiesAreIgnored) {
  for (uint64_t i = 1; i <= 10; ++i) entry(i, 1);
  marker(6, 1);
  marker(2, 1);
  EXPECT_EQ(finish().snapshot.index, raft::Index(6));
}

// After older segments are released, the first remaining segment may start with entries far
// above the (older) marker copy in its prologue; a later marker then joins them up.
TEST_F(LogReplayTest, LogMayStartHighIfALaterMarkerCoversTheGap) {
  marker(0, 0);
  for (uint64_t i = 101; i <= 150; ++i) entry(i, 1);
  marker(60, 1);  // older than the first entry we hold: nothing to drop
  for (uint64_t i = 151; i <= 200; ++i) entry(i, 1);
  marker(120, 1);
  const RecoveredState state = finish();
  EXPECT_EQ(state.entries.front().index, raft::Index(121));
  EXPECT_EQ(state.entries.back().index, raft::Index(200));
}

TEST_F(LogReplayTest, LogThatDoesNotStartAfterTheSnapshotIsCorrupt) {
  for (uint64_t i = 5; i <= 10; ++i) entry(i, 1);
  Result<RecoveredState> state = std::move(replay).finish("dir");
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), Errc::kCorrupt);
  EXPECT_NE(state.status().message().find("starts at entry 5"), std::string::npos);
}

TEST_F(LogReplayTest, HardStateLastWinsAndNeverGoesBack) {
  for (uint64_t i = 1; i <= 5; ++i) entry(i, 2);
  ASSERT_STORAGE_OK(replay.on_hard_state(testing::make_hard_state(1, 1, 2), "seg", 10));
  ASSERT_STORAGE_OK(replay.on_hard_state(testing::make_hard_state(2, 3, 4), "seg", 11));
  EXPECT_EQ(replay.on_hard_state(testing::make_hard_state(1, 3, 4), "seg", 12).code(),
            Errc::kCorrupt);
  EXPECT_EQ(finish().hard_state, testing::make_hard_state(2, 3, 4));
}

TEST_F(LogReplayTest, CommitBeyondTheLogIsCorrupt) {
  entry(1, 1);
  ASSERT_STORAGE_OK(replay.on_hard_state(testing::make_hard_state(1, 1, 3), "seg", 10));
  Result<RecoveredState> state = std::move(replay).finish("dir");
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.status().message().find("commit 3"), std::string::npos);
}

}  // namespace
}  // namespace chorus::storage
