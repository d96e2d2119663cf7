// The WAL's write path and its recovery cases on SimDisk.
#include "storage/wal.h"

#include <gtest/gtest.h>

#include "wal_fixture.h"

namespace chorus::storage {
namespace {

using testing::indexes_of;
using testing::make_entries;
using testing::make_hard_state;

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

class WalTest : public testing::WalFixture {};

TEST_F(WalTest, NewWalIsEmptyAndSaysSo) {
  const RecoveredState state = open();
  EXPECT_TRUE(state.entries.empty());
  EXPECT_TRUE(state.hard_state.empty());
  EXPECT_EQ(state.snapshot, SnapshotMarker{});
  ASSERT_EQ(state.recovery_notes.size(), 1u);
  EXPECT_NE(state.recovery_notes[0].find("started a new WAL"), std::string::npos);
  EXPECT_EQ(segments().size(), 1u);
}

TEST_F(WalTest, RefusesToStartBlankWhenAskedTo) {
  options.if_missing = IfMissing::kFail;
  EXPECT_EQ(try_open().status().code(), Errc::kNotFound);
}

TEST_F(WalTest, CleanReopenReturnsEverythingSynced) {
  open();
  const raft::HardState hard_state = make_hard_state(3, 2, 4);
  const std::vector<raft::Entry> entries = make_entries(1, 5, 3);
  ASSERT_STORAGE_OK(wal->save(&hard_state, entries));
  ASSERT_STORAGE_OK(wal->sync());

  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(state.entries, entries);
  EXPECT_EQ(state.hard_state, hard_state);
  EXPECT_TRUE(state.recovery_notes.empty());
}

TEST_F(WalTest, GroupCommitIsOneWriteAndOneFdatasync) {
  open();
  const SimDiskCounters before = disk.counters();
  for (uint64_t i = 1; i <= 10; ++i) {
    ASSERT_STORAGE_OK(wal->save(nullptr, make_entries(i, 1, 1)));  // ten proposals...
  }
  ASSERT_STORAGE_OK(wal->sync());  // ...one sync
  EXPECT_EQ(disk.counters().writes - before.writes, 1u);
  EXPECT_EQ(disk.counters().data_syncs - before.data_syncs, 1u);
  EXPECT_EQ(disk.counters().dir_syncs - before.dir_syncs, 0u);
  EXPECT_EQ(wal->unsynced_bytes(), 0u);
  ASSERT_STORAGE_OK(wal->sync());  // nothing to do: no I/O
  EXPECT_EQ(disk.counters().data_syncs - before.data_syncs, 1u);
}

TEST_F(WalTest, CrashLosesUnsyncedRecords) {
  open();
  append_and_sync(1, 5, 1);
  append(6, 3, 1);  // saved, never synced
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(1, 5));
  EXPECT_EQ(wal->last_index(), raft::Index(5));
  append_and_sync(6, 1, 1);  // the log continues where the durable part ends
  EXPECT_EQ(indexes_of(crash_and_reopen().entries), range(1, 6));
}

TEST_F(WalTest, TornTailIsTruncatedAndNoted) {
  open();
  append_and_sync(1, 5, 1);
  const std::string segment = segments().back();
  const Bytes before = *disk.contents(segment);
  const uint64_t end_of_five = testing::data_end(before);
  append_and_sync(6, 3, 1);
  Bytes after = *disk.contents(segment);
  // A crash that wrote entry 6 whole and half of entry 7: the rest stays preallocated zeroes.
  const std::vector<uint64_t> offsets = testing::record_offsets(after);
  const uint64_t entry7 = offsets[offsets.size() - 2];
  const uint64_t cut = entry7 + 20;
  std::fill(after.begin() + static_cast<ptrdiff_t>(cut), after.end(), 0);
  wal.reset();
  disk.set_durable_contents(segment, after);
  ASSERT_GT(entry7, end_of_five);

  RecoveredState state = open();
  EXPECT_EQ(indexes_of(state.entries), range(1, 6));
  ASSERT_EQ(state.recovery_notes.size(), 1u);
  EXPECT_NE(state.recovery_notes[0].find("torn final record"), std::string::npos);
  EXPECT_NE(state.recovery_notes[0].find(segment + ": offset " + std::to_string(entry7)),
            std::string::npos)
      << state.recovery_notes[0];

  // Appending over the truncated tail, then recovering again, is clean: the torn bytes were
  // zeroed, so no garbage remains after the new, shorter records.
  const std::vector<raft::Entry> short_entries = {testing::make_entry(7, 1, "x")};
  ASSERT_STORAGE_OK(wal->save(nullptr, short_entries));
  ASSERT_STORAGE_OK(wal->sync());
  state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(1, 7));
  EXPECT_TRUE(state.recovery_notes.empty());
}

TEST_F(WalTest, RecordCutByTheEndOfTheFileIsATornTail) {
  open();
  append_and_sync(1, 3, 1);
  const std::string segment = segments().back();
  Bytes bytes = *disk.contents(segment);
  bytes.resize(testing::data_end(bytes) - 5);  // no preallocated space after it
  wal.reset();
  disk.set_durable_contents(segment, bytes);
  const RecoveredState state = open();
  EXPECT_EQ(indexes_of(state.entries), range(1, 2));
  ASSERT_EQ(state.recovery_notes.size(), 1u);
  EXPECT_NE(state.recovery_notes[0].find("incomplete record"), std::string::npos);
}

TEST_F(WalTest, BadChecksumInTheFinalRecordFollowedByZeroesIsATornTail) {
  open();
  append_and_sync(1, 3, 1);
  const std::string segment = segments().back();
  const Bytes bytes = *disk.contents(segment);
  wal.reset();
  disk.corrupt_byte(segment, testing::data_end(bytes) - 1, 0x40);  // last payload byte
  const RecoveredState state = open();
  EXPECT_EQ(indexes_of(state.entries), range(1, 2));
  ASSERT_EQ(state.recovery_notes.size(), 1u);
  EXPECT_NE(state.recovery_notes[0].find("checksum"), std::string::npos);
}

TEST_F(WalTest, BadChecksumMidFileRefusesNamingFileAndOffset) {
  open();
  append_and_sync(1, 5, 1);
  const std::string segment = segments().back();
  const std::vector<uint64_t> offsets = testing::record_offsets(*disk.contents(segment));
  const uint64_t entry3 = offsets[3];  // [0] is the segment header
  wal.reset();
  disk.corrupt_byte(segment, entry3 + 30, 0x01);
  const Bytes corrupted = *disk.contents(segment);
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Errc::kCorrupt);
  EXPECT_NE(opened.status().message().find(segment + ": offset " + std::to_string(entry3)),
            std::string::npos)
      << opened.status().message();
  // Refusing changed nothing: the corrupt record and the records after it are still there.
  EXPECT_EQ(*disk.contents(segment), corrupted);
}

TEST_F(WalTest, FlippedLengthMidFileRefusesInsteadOfTruncating) {
  open();
  append_and_sync(1, 5, 1);
  const std::string segment = segments().back();
  const uint64_t entry2 = testing::record_offsets(*disk.contents(segment))[2];
  wal.reset();
  disk.corrupt_byte(segment, entry2 + 6, 0x01);  // the length field
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("offset " + std::to_string(entry2)), std::string::npos);
  EXPECT_NE(opened.status().message().find("header"), std::string::npos);
}

TEST_F(WalTest, DataAfterTheEndOfDataRefuses) {
  open();
  append_and_sync(1, 2, 1);
  const std::string segment = segments().back();
  const uint64_t end = testing::data_end(*disk.contents(segment));
  wal.reset();
  disk.corrupt_byte(segment, end + 100, 0x01);
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("offset " + std::to_string(end + 100)),
            std::string::npos);
}

TEST_F(WalTest, RotationAcrossManySegmentsThenRecovery) {
  open();
  raft::HardState hard_state;
  for (uint64_t i = 1; i <= 200; ++i) {
    hard_state = make_hard_state(1, 1, i - 1);
    ASSERT_STORAGE_OK(wal->save(&hard_state, make_entries(i, 1, 1)));
    ASSERT_STORAGE_OK(wal->sync());
  }
  EXPECT_GT(segments().size(), 10u);
  EXPECT_EQ(wal->segment_count(), segments().size());
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(1, 200));
  EXPECT_EQ(state.hard_state, hard_state);
  EXPECT_TRUE(state.recovery_notes.empty());
}

TEST_F(WalTest, OldSegmentsAreTruncatedToTheirData) {
  open();
  for (uint64_t i = 1; i <= 50; ++i) append_and_sync(i, 1, 1);
  const std::vector<std::string> paths = segments();
  ASSERT_GT(paths.size(), 2u);
  const Bytes first = *disk.contents(paths.front());
  EXPECT_EQ(first.size(), testing::data_end(first));  // no preallocated space left
  EXPECT_EQ(disk.contents(paths.back())->size(), options.segment_bytes);
}

TEST_F(WalTest, ABatchLargerThanASegmentGetsASegmentOfItsOwn) {
  open();
  append_and_sync(1, 2, 1);
  append_and_sync(3, 100, 1);  // several KiB, segment_bytes is 1 KiB
  append_and_sync(103, 1, 1);
  EXPECT_EQ(indexes_of(crash_and_reopen().entries), range(1, 103));
}

TEST_F(WalTest, MissingSegmentInTheMiddleRefuses) {
  open();
  for (uint64_t i = 1; i <= 100; ++i) append_and_sync(i, 1, 1);
  const std::vector<std::string> paths = segments();
  ASSERT_GE(paths.size(), 4u);
  wal.reset();
  ASSERT_STORAGE_OK(disk.remove(paths[2]));
  ASSERT_STORAGE_OK(disk.sync_dir(dir));
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Errc::kCorrupt);
  EXPECT_NE(opened.status().message().find("segment 2 is missing"), std::string::npos)
      << opened.status().message();
}

TEST_F(WalTest, MissingFirstSegmentRefusesWhenNoSnapshotCoversIt) {
  open();
  for (uint64_t i = 1; i <= 100; ++i) append_and_sync(i, 1, 1);
  const std::vector<std::string> paths = segments();
  wal.reset();
  ASSERT_STORAGE_OK(disk.remove(paths[0]));
  ASSERT_STORAGE_OK(disk.sync_dir(dir));
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("missing"), std::string::npos);
}

TEST_F(WalTest, BadChecksumInAnEarlierSegmentRefusesEvenAtItsEnd) {
  open();
  for (uint64_t i = 1; i <= 50; ++i) append_and_sync(i, 1, 1);
  const std::vector<std::string> paths = segments();
  ASSERT_GE(paths.size(), 2u);
  const Bytes first = *disk.contents(paths[0]);
  wal.reset();
  disk.corrupt_byte(paths[0], testing::data_end(first) - 1, 0x01);
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find(paths[0]), std::string::npos);
}

TEST_F(WalTest, SnapshotNewerThanLogIgnoresEntriesBelowIt) {
  open();
  append_and_sync(1, 10, 1);
  // A follower installs a leader's snapshot at 50: its whole log is older.
  ASSERT_STORAGE_OK(wal->save_snapshot_marker({raft::Index(50), raft::Term(3)}));
  ASSERT_STORAGE_OK(wal->sync());
  RecoveredState state = crash_and_reopen();
  EXPECT_TRUE(state.entries.empty());
  EXPECT_EQ(state.snapshot, (SnapshotMarker{raft::Index(50), raft::Term(3)}));
  EXPECT_EQ(state.last_index(), raft::Index(50));
  // The log goes on after the snapshot.
  append_and_sync(51, 3, 3);
  state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(51, 53));
}

TEST_F(WalTest, LogNewerThanSnapshotKeepsEntriesAfterIt) {
  open();
  append_and_sync(1, 20, 2);
  ASSERT_STORAGE_OK(wal->save_snapshot_marker({raft::Index(8), raft::Term(2)}));
  ASSERT_STORAGE_OK(wal->sync());
  append_and_sync(21, 5, 2);
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(state.snapshot.index, raft::Index(8));
  EXPECT_EQ(indexes_of(state.entries), range(9, 25));
}

TEST_F(WalTest, ConflictingOverwriteOnRecovery) {
  open();
  append_and_sync(1, 10, 1);
  // A new leader's entries from index 6 replace 6..10 (§5.3).
  append_and_sync(6, 2, 2);
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(1, 7));
  EXPECT_EQ(state.entries[4].term, raft::Term(1));
  EXPECT_EQ(state.entries[5].term, raft::Term(2));
  EXPECT_EQ(state.entries[6].term, raft::Term(2));
  EXPECT_EQ(wal->last_index(), raft::Index(7));
}

TEST_F(WalTest, ConflictingOverwriteAcrossSegments) {
  open();
  for (uint64_t i = 1; i <= 60; ++i) append_and_sync(i, 1, 1);
  ASSERT_GE(segments().size(), 3u);
  append_and_sync(5, 1, 2);  // overwrites entries held by the first segments
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(1, 5));
  EXPECT_EQ(state.entries.back().term, raft::Term(2));
}

TEST_F(WalTest, FsyncFailureIsFatalAndNeverRetried) {
  open();
  append_and_sync(1, 3, 1);
  append(4, 2, 1);
  disk.fail_next_syncs(1);
  const SimDiskCounters before = disk.counters();
  EXPECT_EQ(wal->sync().code(), Errc::kIo);
  EXPECT_TRUE(wal->failed());
  // Every further call refuses, and none touches the disk.
  const std::vector<raft::Entry> more = make_entries(6, 1, 1);
  EXPECT_EQ(wal->save(nullptr, more).code(), Errc::kFailed);
  EXPECT_EQ(wal->save_snapshot_marker({raft::Index(1), raft::Term(1)}).code(), Errc::kFailed);
  EXPECT_EQ(wal->sync().code(), Errc::kFailed);
  EXPECT_EQ(wal->release_before(raft::Index(1)).code(), Errc::kFailed);
  EXPECT_EQ(disk.counters().data_syncs - before.data_syncs, 1u);
  EXPECT_EQ(disk.counters().writes - before.writes, 1u);
  // The node restarts: only what was synced before the failure is there.
  EXPECT_EQ(indexes_of(crash_and_reopen().entries), range(1, 3));
}

TEST_F(WalTest, WriteFailureIsFatal) {
  open();
  append(1, 2, 1);
  disk.fail_writes(true);
  EXPECT_EQ(wal->sync().code(), Errc::kIo);
  disk.fail_writes(false);
  EXPECT_EQ(wal->sync().code(), Errc::kFailed);
}

TEST_F(WalTest, FsyncFailureWhileStartingASegmentIsFatal) {
  open();
  append_and_sync(1, 20, 1);
  append(21, 20, 1);  // will not fit: needs a new segment
  disk.fail_next_syncs(1);
  EXPECT_EQ(wal->sync().code(), Errc::kIo);
  EXPECT_EQ(wal->sync().code(), Errc::kFailed);
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(1, 20));
}

TEST_F(WalTest, DirectoryFsyncFailureWhileStartingASegmentLosesOnlyItsBatch) {
  open();
  append_and_sync(1, 20, 1);
  const size_t segments_before = segments().size();
  append(21, 20, 1);
  disk.fail_next_dir_syncs(1);  // the new segment's data is synced, its name is not
  EXPECT_EQ(wal->sync().code(), Errc::kIo);
  EXPECT_EQ(wal->sync().code(), Errc::kFailed);
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(indexes_of(state.entries), range(1, 20));
  EXPECT_EQ(segments().size(), segments_before);
  append_and_sync(21, 20, 1);  // the sequence number is reused cleanly
  EXPECT_EQ(indexes_of(crash_and_reopen().entries), range(1, 40));
}

TEST_F(WalTest, LeftoverTemporarySegmentIsRemovedAndNoted) {
  open();
  append_and_sync(1, 20, 1);
  const std::vector<std::string> paths = segments();
  wal.reset();
  // A crash after the temporary file's name reached the disk, before its rename did.
  const std::string temporary =
      dir + "/" + segment_file_name(paths.size(), raft::Index(21)) + ".tmp";
  disk.set_durable_contents(temporary, Bytes(100, 0xAB));
  RecoveredState state = open();
  EXPECT_EQ(indexes_of(state.entries), range(1, 20));
  ASSERT_EQ(state.recovery_notes.size(), 1u);
  EXPECT_NE(state.recovery_notes[0].find("unfinished new segment, removed"), std::string::npos);
  EXPECT_FALSE(disk.exists(temporary));
  append_and_sync(21, 20, 1);  // starts the segment that the temporary file was meant to be
  EXPECT_EQ(indexes_of(crash_and_reopen().entries), range(1, 40));
}

TEST_F(WalTest, ReleaseBeforeDeletesWholeSegmentsBelowTheSnapshot) {
  open();
  for (uint64_t i = 1; i <= 100; ++i) append_and_sync(i, 1, 1);
  const size_t before = segments().size();
  EXPECT_EQ(wal->release_before(raft::Index(50)).code(), Errc::kInvalidArgument);  // no snapshot
  ASSERT_STORAGE_OK(wal->save_snapshot_marker({raft::Index(50), raft::Term(1)}));
  EXPECT_EQ(wal->release_before(raft::Index(50)).code(), Errc::kInvalidArgument);  // not synced
  ASSERT_STORAGE_OK(wal->sync());
  ASSERT_STORAGE_OK(wal->release_before(raft::Index(50)));
  EXPECT_LT(segments().size(), before);
  EXPECT_EQ(wal->segment_count(), segments().size());

  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(state.snapshot.index, raft::Index(50));
  EXPECT_EQ(indexes_of(state.entries), range(51, 100));
  // The first remaining segment starts at or below the snapshot + 1.
  const std::optional<SegmentHeader> first =
      parse_segment_file_name(segments().front().substr(dir.size() + 1));
  ASSERT_TRUE(first.has_value());
  EXPECT_LE(first->first_index, raft::Index(51));
}

TEST_F(WalTest, HardStateAndMarkerSurviveReleasingTheSegmentsThatHeldThem) {
  open();
  const raft::HardState hard_state = make_hard_state(4, 2, 10);
  ASSERT_STORAGE_OK(wal->save(&hard_state, make_entries(1, 10, 4)));
  ASSERT_STORAGE_OK(wal->save_snapshot_marker({raft::Index(10), raft::Term(4)}));
  ASSERT_STORAGE_OK(wal->sync());
  for (uint64_t i = 11; i <= 80; ++i) append_and_sync(i, 1, 4);
  ASSERT_STORAGE_OK(wal->release_before(raft::Index(10)));
  ASSERT_STORAGE_OK(wal->save_snapshot_marker({raft::Index(70), raft::Term(4)}));
  ASSERT_STORAGE_OK(wal->sync());
  ASSERT_STORAGE_OK(wal->release_before(raft::Index(70)));
  const RecoveredState state = crash_and_reopen();
  EXPECT_EQ(state.hard_state, hard_state);
  EXPECT_EQ(state.snapshot.index, raft::Index(70));
  EXPECT_EQ(indexes_of(state.entries), range(71, 80));
}

TEST_F(WalTest, InvalidSavesChangeNothing) {
  open();
  append_and_sync(1, 5, 2);
  const std::vector<raft::Entry> gap = make_entries(7, 1, 2);
  EXPECT_EQ(wal->save(nullptr, gap).code(), Errc::kInvalidArgument);
  std::vector<raft::Entry> not_contiguous = make_entries(6, 2, 2);
  not_contiguous[1].index = raft::Index(9);
  EXPECT_EQ(wal->save(nullptr, not_contiguous).code(), Errc::kInvalidArgument);
  const std::vector<raft::Entry> lower_term = make_entries(6, 1, 1);
  EXPECT_EQ(wal->save(nullptr, lower_term).code(), Errc::kInvalidArgument);
  const raft::HardState commit_too_far = make_hard_state(2, 1, 9);
  EXPECT_EQ(wal->save(&commit_too_far, {}).code(), Errc::kInvalidArgument);
  raft::HardState ok = make_hard_state(2, 1, 3);
  ASSERT_STORAGE_OK(wal->save(&ok, {}));
  const raft::HardState back = make_hard_state(1, 1, 3);
  EXPECT_EQ(wal->save(&back, {}).code(), Errc::kInvalidArgument);
  ASSERT_STORAGE_OK(wal->save_snapshot_marker({raft::Index(3), raft::Term(2)}));
  EXPECT_EQ(wal->save_snapshot_marker({raft::Index(2), raft::Term(2)}).code(),
            Errc::kInvalidArgument);
  const std::vector<raft::Entry> inside_snapshot = make_entries(3, 1, 2);
  EXPECT_EQ(wal->save(nullptr, inside_snapshot).code(), Errc::kInvalidArgument);
  EXPECT_FALSE(wal->failed());
}

TEST_F(WalTest, UnsyncedBytesAreBounded) {
  options.max_unsynced_bytes = 500;
  open();
  append(1, 5, 1);  // 5 * (16 + 17 + 9) = 210 bytes
  const std::vector<raft::Entry> too_many = make_entries(6, 10, 1);
  EXPECT_EQ(wal->save(nullptr, too_many).code(), Errc::kInvalidArgument);
  ASSERT_STORAGE_OK(wal->sync());
  ASSERT_STORAGE_OK(wal->save(nullptr, make_entries(6, 10, 1)));
}

TEST_F(WalTest, HardStateAloneIsABatch) {
  open();
  append_and_sync(1, 3, 1);
  const raft::HardState vote = make_hard_state(2, 3, 1);  // a vote in a new term, no entries
  ASSERT_STORAGE_OK(wal->save(&vote, {}));
  ASSERT_STORAGE_OK(wal->sync());
  EXPECT_EQ(crash_and_reopen().hard_state, vote);
}

TEST_F(WalTest, SnapshotMarkerCarriedIntoNewSegments) {
  open();
  append_and_sync(1, 5, 1);
  ASSERT_STORAGE_OK(wal->save_snapshot_marker({raft::Index(5), raft::Term(1)}));
  ASSERT_STORAGE_OK(wal->sync());
  for (uint64_t i = 6; i <= 100; ++i) append_and_sync(i, 1, 1);
  const std::vector<std::string> paths = segments();
  ASSERT_GT(paths.size(), 3u);
  // Every segment after the first begins with the synced marker, right after its header.
  const Bytes last = *disk.contents(paths.back());
  const std::vector<uint64_t> offsets = testing::record_offsets(last);
  ASSERT_GE(offsets.size(), 2u);
  const DecodedRecord second = decode_record(std::span(last).subspan(offsets[1]));
  ASSERT_EQ(second.type, RecordType::kSnapshotMarker);
  EXPECT_EQ(decode_snapshot_marker(second.payload),
            (SnapshotMarker{raft::Index(5), raft::Term(1)}));
}

TEST_F(WalTest, UnknownFilesAreIgnoredAndNoted) {
  open();
  append_and_sync(1, 2, 1);
  wal.reset();
  disk.set_durable_contents(dir + "/README", Bytes{'h', 'i'});
  const RecoveredState state = open();
  EXPECT_EQ(indexes_of(state.entries), range(1, 2));
  ASSERT_EQ(state.recovery_notes.size(), 1u);
  EXPECT_NE(state.recovery_notes[0].find("README: not a WAL segment"), std::string::npos);
}

TEST_F(WalTest, SegmentWhoseHeaderDisagreesWithItsNameRefuses) {
  open();
  append_and_sync(1, 2, 1);
  const std::string segment = segments().back();
  const Bytes bytes = *disk.contents(segment);
  wal.reset();
  ASSERT_STORAGE_OK(disk.remove(segment));
  disk.set_durable_contents(dir + "/" + segment_file_name(0, raft::Index(5)), bytes);
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("does not match the file name"), std::string::npos);
}

}  // namespace
}  // namespace chorus::storage
