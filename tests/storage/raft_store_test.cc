#include "storage/raft_store.h"

#include <gtest/gtest.h>

#include "storage/sim_disk.h"
#include "storage/snapshot_file.h"
#include "storage_test_util.h"

namespace chorus::storage {
namespace {

RaftStoreOptions options() {
  RaftStoreOptions out;
  out.wal_dir = "/data/wal";
  out.snapshot_dir = "/data/snap";
  return out;
}

raft::Snapshot leader_snapshot(uint64_t index, std::string data) {
  raft::Snapshot snapshot;
  snapshot.metadata.index = raft::Index(index);
  snapshot.metadata.term = raft::Term(2);
  snapshot.metadata.conf_state.voters = {raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)};
  snapshot.data = std::move(data);
  return snapshot;
}

// A store opened on an empty simulated disk.
class RaftStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(disk.create_dir("/data").ok());
    std::vector<std::string> notes;
    ASSERT_FALSE(store.recover(&notes).has_value());
  }

  SimDisk disk{5};
  RaftStore store{disk, options()};
};

TEST_F(RaftStoreTest, ASnapshotFromTheLeaderStaysInItsFileWhenTheLogCanLoadIt) {
  int loads = 0;
  store.log().set_snapshot_loader([&](const raft::SnapshotMetadata& metadata) {
    ++loads;
    auto read = read_snapshot_file(disk, snapshot_file_path("/data/snap", metadata));
    EXPECT_TRUE(read.ok()) << read.status().to_string();
    return read.ok() ? std::move(read.value().data) : std::string();
  });
  const std::string image(100000, 'i');
  ASSERT_TRUE(store.persist(leader_snapshot(40, image), testing::make_hard_state(2, 1, 40), {}))
      << store.last_error();
  // The node restores its state machine from the Ready's copy; the log keeps none of its own.
  EXPECT_FALSE(store.log().snapshot_data_held());
  EXPECT_EQ(store.log().snapshot_metadata().index, raft::Index(40));
  EXPECT_EQ(store.log().last_index(), raft::Index(40));
  EXPECT_EQ(loads, 0);
  // A follower that needs it later gets it from the file.
  EXPECT_EQ(store.log().snapshot_ref().data, image);
  EXPECT_EQ(loads, 1);
}

TEST_F(RaftStoreTest, WithoutALoaderTheLogHoldsTheLeadersSnapshot) {
  ASSERT_TRUE(store.persist(leader_snapshot(40, "image"), testing::make_hard_state(2, 1, 40), {}))
      << store.last_error();
  EXPECT_TRUE(store.log().snapshot_data_held());
  EXPECT_EQ(store.log().snapshot_ref().data, "image");
}

// The commit index after a crash, as a restarted member reads it.
raft::Index commit_after_crash(SimDisk& disk, RaftStore& store) {
  store.close();
  disk.crash(CrashMode::kDropUnsynced);
  RaftStore reopened(disk, options());
  std::vector<std::string> notes;
  EXPECT_FALSE(reopened.recover(&notes).has_value());
  return reopened.log().hard_state().commit;
}

TEST_F(RaftStoreTest, AnUnsyncedCommitIsLostInACrashButTheNextSyncKeepsIt) {
  ASSERT_TRUE(store.persist({}, testing::make_hard_state(2, 1, 0), testing::make_entries(1, 3, 2)));
  // The commit moves alone: buffered, not synced (raft::Ready::must_sync).
  ASSERT_TRUE(store.persist({}, testing::make_hard_state(2, 1, 3), {}, /*sync=*/false));
  EXPECT_EQ(store.log().hard_state().commit, raft::Index(3)) << "the core's mirror has it";
  EXPECT_EQ(commit_after_crash(disk, store), raft::Index(0));
}

TEST_F(RaftStoreTest, AnUnsyncedCommitIsMadeDurableByTheNextSync) {
  ASSERT_TRUE(store.persist({}, testing::make_hard_state(2, 1, 0), testing::make_entries(1, 3, 2)));
  ASSERT_TRUE(store.persist({}, testing::make_hard_state(2, 1, 3), {}, /*sync=*/false));
  ASSERT_TRUE(store.persist({}, {}, testing::make_entries(4, 1, 2)));
  EXPECT_EQ(commit_after_crash(disk, store), raft::Index(3));
}

TEST_F(RaftStoreTest, EntriesAreSyncedEvenWhenTheCallerAsksForNoSync) {
  ASSERT_TRUE(store.persist({}, testing::make_hard_state(2, 1, 2), testing::make_entries(1, 3, 2),
                            /*sync=*/false));
  EXPECT_EQ(commit_after_crash(disk, store), raft::Index(2));
}

}  // namespace
}  // namespace chorus::storage
