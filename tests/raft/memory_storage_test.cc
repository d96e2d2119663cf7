// MemoryStorage: the in-memory mirror of a node's durable log.
#include <gtest/gtest.h>

#include "raft/log_storage.h"
#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::make_entry;

// Snapshot at 3 (term 3), then entries 4..6 with terms 4, 5, 6 (etcd-io/raft's storage tests
// use the same shape).
MemoryStorage storage_3_to_6() {
  MemoryStorage storage;
  Snapshot snapshot;
  snapshot.metadata.index = Index{3};
  snapshot.metadata.term = Term{3};
  EXPECT_TRUE(storage.apply_snapshot(snapshot).ok());
  storage.append({make_entry(4, 4), make_entry(5, 5), make_entry(6, 6)});
  return storage;
}

std::vector<uint64_t> indexes_of(const std::vector<Entry>& entries) {
  std::vector<uint64_t> out;
  for (const Entry& entry : entries) out.push_back(entry.index.value);
  return out;
}

TEST(MemoryStorage, StartsEmptyWithADummyEntry) {
  MemoryStorage storage;
  EXPECT_EQ(storage.first_index(), Index{1});
  EXPECT_EQ(storage.last_index(), Index{0});
  EXPECT_EQ(*storage.term(Index{0}), Term{0});
  EXPECT_EQ(storage.term(Index{1}).error(), Error::kUnavailable);
  EXPECT_TRUE(storage.snapshot()->empty());
  EXPECT_TRUE(storage.initial_state().hard_state.empty());
}

TEST(MemoryStorage, TermKnowsTheSnapshotEntryButNotBelow) {
  MemoryStorage storage = storage_3_to_6();
  EXPECT_EQ(storage.first_index(), Index{4});
  EXPECT_EQ(storage.last_index(), Index{6});
  EXPECT_EQ(storage.term(Index{2}).error(), Error::kCompacted);
  EXPECT_EQ(*storage.term(Index{3}), Term{3});
  EXPECT_EQ(*storage.term(Index{6}), Term{6});
  EXPECT_EQ(storage.term(Index{7}).error(), Error::kUnavailable);
}

TEST(MemoryStorage, EntriesHonourBoundsAndByteLimit) {
  MemoryStorage storage = storage_3_to_6();
  const uint64_t one = make_entry(4, 4).size_bytes();
  EXPECT_EQ(storage.entries(Index{3}, Index{5}, UINT64_MAX).error(), Error::kCompacted);
  EXPECT_EQ(storage.entries(Index{4}, Index{8}, UINT64_MAX).error(), Error::kUnavailable);
  EXPECT_EQ(indexes_of(*storage.entries(Index{4}, Index{7}, UINT64_MAX)),
            (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(indexes_of(*storage.entries(Index{4}, Index{7}, 0)), (std::vector<uint64_t>{4}));
  EXPECT_EQ(indexes_of(*storage.entries(Index{4}, Index{7}, 2 * one)),
            (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(indexes_of(*storage.entries(Index{4}, Index{7}, 2 * one + 1)),
            (std::vector<uint64_t>{4, 5}));
  EXPECT_TRUE(storage.entries(Index{5}, Index{5}, UINT64_MAX)->empty());
}

TEST(MemoryStorage, AppendOverwritesAConflictingSuffix) {
  MemoryStorage storage = storage_3_to_6();
  storage.append({make_entry(7, 5)});
  EXPECT_EQ(storage.last_index(), Index{5});
  EXPECT_EQ(*storage.term(Index{4}), Term{4});
  EXPECT_EQ(*storage.term(Index{5}), Term{7});
  // An append right after the last entry extends the log.
  storage.append({make_entry(7, 6), make_entry(7, 7)});
  EXPECT_EQ(storage.last_index(), Index{7});
}

TEST(MemoryStorage, AppendSkipsTheCompactedPrefix) {
  MemoryStorage storage = storage_3_to_6();
  storage.append({make_entry(3, 2), make_entry(3, 3), make_entry(4, 4), make_entry(8, 5)});
  EXPECT_EQ(storage.first_index(), Index{4});
  EXPECT_EQ(storage.last_index(), Index{5});
  EXPECT_EQ(*storage.term(Index{5}), Term{8});
  // Entirely below the first index: nothing changes.
  storage.append({make_entry(1, 1), make_entry(1, 2)});
  EXPECT_EQ(storage.last_index(), Index{5});
  storage.append({});
  EXPECT_EQ(storage.last_index(), Index{5});
}

TEST(MemoryStorage, CompactKeepsTheTermOfTheCompactedIndex) {
  MemoryStorage storage = storage_3_to_6();
  ASSERT_TRUE(storage.compact(Index{5}).ok());
  EXPECT_EQ(storage.first_index(), Index{6});
  EXPECT_EQ(storage.last_index(), Index{6});
  EXPECT_EQ(*storage.term(Index{5}), Term{5});
  EXPECT_EQ(storage.term(Index{4}).error(), Error::kCompacted);
  EXPECT_EQ(storage.entries(Index{5}, Index{7}, UINT64_MAX).error(), Error::kCompacted);
  // Compacting again at or below the compaction point is refused.
  EXPECT_EQ(storage.compact(Index{5}).error(), Error::kCompacted);
  EXPECT_EQ(storage.compact(Index{4}).error(), Error::kCompacted);
  // Compaction does not create a snapshot.
  EXPECT_EQ(storage.snapshot()->metadata.index, Index{3});
}

TEST(MemoryStorage, CreateSnapshotRecordsTermAndConfiguration) {
  MemoryStorage storage = storage_3_to_6();
  ConfState conf;
  conf.voters = testing::node_ids({1, 2, 3});
  ASSERT_TRUE(storage.create_snapshot(Index{5}, conf, "state").ok());
  const Snapshot& snapshot = storage.snapshot_ref();
  EXPECT_EQ(snapshot.metadata.index, Index{5});
  EXPECT_EQ(snapshot.metadata.term, Term{5});
  EXPECT_EQ(snapshot.metadata.conf_state, conf);
  EXPECT_EQ(snapshot.data, "state");
  EXPECT_EQ(*storage.snapshot(), snapshot);
  EXPECT_EQ(storage.initial_state().conf_state, conf);
  // The log is not compacted by taking a snapshot.
  EXPECT_EQ(storage.first_index(), Index{4});
  EXPECT_EQ(storage.create_snapshot(Index{5}, conf, "again").error(), Error::kSnapshotOutOfDate);
  EXPECT_EQ(storage.create_snapshot(Index{4}, conf, "older").error(), Error::kSnapshotOutOfDate);
}

TEST(MemoryStorage, CreateSnapshotHandsThePreviousImageBack) {
  // The server frees the previous image off its loop, so it takes it back instead of letting
  // the assignment free it.
  MemoryStorage storage = storage_3_to_6();
  ConfState conf;
  conf.voters = testing::node_ids({1});
  std::string displaced = "untouched";
  ASSERT_TRUE(storage.create_snapshot(Index{4}, conf, "first", &displaced).ok());
  EXPECT_EQ(displaced, "");  // the initial snapshot had no data
  ASSERT_TRUE(storage.create_snapshot(Index{5}, conf, "second", &displaced).ok());
  EXPECT_EQ(displaced, "first");
  EXPECT_EQ(storage.snapshot_ref().data, "second");
  // Refused: nothing is displaced.
  displaced = "kept";
  EXPECT_EQ(storage.create_snapshot(Index{5}, conf, "again", &displaced).error(),
            Error::kSnapshotOutOfDate);
  EXPECT_EQ(displaced, "kept");
}

TEST(MemoryStorage, ReleasedSnapshotDataIsReadBackThroughTheLoaderOnFirstUse) {
  // The server keeps the snapshot image in its file, not in memory; the core still sees it.
  MemoryStorage storage = storage_3_to_6();
  ConfState conf;
  conf.voters = testing::node_ids({1});
  int loads = 0;
  storage.set_snapshot_loader([&](const SnapshotMetadata& metadata) {
    ++loads;
    return "image at " + std::to_string(metadata.index.value);
  });
  ASSERT_TRUE(storage.create_snapshot(Index{5}, conf, "image at 5").ok());
  EXPECT_TRUE(storage.snapshot_data_held());
  EXPECT_EQ(storage.release_snapshot_data(), "image at 5");
  EXPECT_FALSE(storage.snapshot_data_held());
  EXPECT_EQ(storage.release_snapshot_data(), "");  // released already
  // Metadata never loads.
  EXPECT_EQ(storage.snapshot_metadata().index, Index{5});
  EXPECT_EQ(loads, 0);
  EXPECT_EQ(storage.snapshot_ref().data, "image at 5");
  EXPECT_EQ(storage.snapshot()->data, "image at 5");
  EXPECT_EQ(loads, 1);  // once, then held again
  EXPECT_TRUE(storage.snapshot_data_held());
  // A snapshot recorded without its data (written to its file by someone else) starts released.
  ASSERT_TRUE(storage.create_snapshot(Index{6}, conf, "").ok());
  EXPECT_FALSE(storage.snapshot_data_held());
  EXPECT_EQ(storage.snapshot_ref().data, "image at 6");
  EXPECT_EQ(loads, 2);
}

TEST(MemoryStorage, ASnapshotAppliedOnDiskStartsReleasedAndLoadsOnFirstUse) {
  MemoryStorage storage = storage_3_to_6();
  int loads = 0;
  storage.set_snapshot_loader([&](const SnapshotMetadata& metadata) {
    ++loads;
    return "image at " + std::to_string(metadata.index.value);
  });
  SnapshotMetadata metadata;
  metadata.index = Index{10};
  metadata.term = Term{9};
  metadata.conf_state.voters = testing::node_ids({1, 2, 3});
  ASSERT_TRUE(storage.apply_snapshot_on_disk(metadata).ok());
  EXPECT_FALSE(storage.snapshot_data_held());
  EXPECT_EQ(storage.first_index(), Index{11});
  EXPECT_EQ(storage.last_index(), Index{10});
  EXPECT_EQ(storage.term(Index{10}).value(), Term{9});
  EXPECT_EQ(loads, 0);
  EXPECT_EQ(storage.snapshot_ref().data, "image at 10");
  EXPECT_EQ(loads, 1);
  metadata.index = Index{7};
  EXPECT_EQ(storage.apply_snapshot_on_disk(metadata).error(), Error::kSnapshotOutOfDate);
}

TEST(MemoryStorage, WithAPrefetcherReleasedDataIsReadInTheBackgroundNotOnTheCallersThread) {
  MemoryStorage storage = storage_3_to_6();
  ConfState conf;
  conf.voters = testing::node_ids({1});
  int loads = 0;
  storage.set_snapshot_loader([&](const SnapshotMetadata&) {
    ++loads;
    return std::string("read synchronously");
  });
  std::vector<SnapshotMetadata> requested;
  storage.set_snapshot_prefetcher([&](const SnapshotMetadata& m) { requested.push_back(m); });
  ASSERT_TRUE(storage.create_snapshot(Index{5}, conf, "").ok());  // released
  EXPECT_FALSE(storage.snapshot_ready());
  EXPECT_FALSE(storage.snapshot_ready());
  ASSERT_EQ(requested.size(), 1u) << "one read per snapshot, however often the leader asks";
  EXPECT_EQ(requested[0].index, Index{5});
  // A newer snapshot while the read runs: its data is asked for too, and the old data is
  // handed back rather than held.
  ASSERT_TRUE(storage.create_snapshot(Index{6}, conf, "").ok());
  EXPECT_FALSE(storage.snapshot_ready());
  ASSERT_EQ(requested.size(), 2u);
  EXPECT_EQ(storage.provide_snapshot_data(requested[0], "image at 5"), "image at 5");
  EXPECT_FALSE(storage.snapshot_ready());
  EXPECT_EQ(storage.provide_snapshot_data(requested[1], "image at 6"), "");
  EXPECT_TRUE(storage.snapshot_ready());
  EXPECT_EQ(storage.snapshot_ref().data, "image at 6");
  EXPECT_EQ(loads, 0) << "the synchronous loader was never needed";
}

TEST(MemoryStorage, WithoutAPrefetcherTheSnapshotIsAlwaysReady) {
  MemoryStorage storage = storage_3_to_6();
  ConfState conf;
  conf.voters = testing::node_ids({1});
  storage.set_snapshot_loader([](const SnapshotMetadata&) { return std::string("image"); });
  ASSERT_TRUE(storage.create_snapshot(Index{5}, conf, "").ok());
  EXPECT_TRUE(storage.snapshot_ready());  // snapshot_ref() reads through the loader
  EXPECT_EQ(storage.snapshot_ref().data, "image");
}

TEST(MemoryStorage, WithoutALoaderTheDataStaysInMemory) {
  MemoryStorage storage = storage_3_to_6();
  ConfState conf;
  conf.voters = testing::node_ids({1});
  ASSERT_TRUE(storage.create_snapshot(Index{5}, conf, "image").ok());
  EXPECT_EQ(storage.release_snapshot_data(), "");
  EXPECT_TRUE(storage.snapshot_data_held());
  EXPECT_EQ(storage.snapshot_ref().data, "image");
}

TEST(MemoryStorage, ApplySnapshotReplacesTheLogAndRejectsOlderOnes) {
  MemoryStorage storage = storage_3_to_6();
  Snapshot newer;
  newer.metadata.index = Index{10};
  newer.metadata.term = Term{9};
  newer.metadata.conf_state.voters = testing::node_ids({4, 5});
  ASSERT_TRUE(storage.apply_snapshot(newer).ok());
  EXPECT_EQ(storage.first_index(), Index{11});
  EXPECT_EQ(storage.last_index(), Index{10});
  EXPECT_EQ(*storage.term(Index{10}), Term{9});
  EXPECT_EQ(storage.initial_state().conf_state.voters, testing::node_ids({4, 5}));
  Snapshot older;
  older.metadata.index = Index{8};
  older.metadata.term = Term{8};
  EXPECT_EQ(storage.apply_snapshot(older).error(), Error::kSnapshotOutOfDate);
  EXPECT_EQ(storage.apply_snapshot(newer).error(), Error::kSnapshotOutOfDate);
  EXPECT_EQ(storage.last_index(), Index{10});
}

TEST(MemoryStorage, HardStateIsKeptAsSet) {
  MemoryStorage storage;
  const HardState state{Term{3}, NodeId{2}, Index{0}};
  storage.set_hard_state(state);
  EXPECT_EQ(storage.hard_state(), state);
  EXPECT_EQ(storage.initial_state().hard_state, state);
}

}  // namespace
}  // namespace chorus::raft
