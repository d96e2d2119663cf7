// The node's background snapshot: the loop serializes the state a slice at a time while entries
// go on being applied, a thread writes the file, and the file holds the state of the moment the
// job started; a cancelled job leaves nothing behind.
#include "node/snapshot_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "node/single_node.h"
#include "storage/posix_disk.h"
#include "storage/snapshot_file.h"

namespace chorus::node {
namespace {

using testing::TempDir;

void put(StateMachine& state, const std::string& key, const std::string& value) {
  kv::PutRequest request;
  request.key = key;
  request.value = value;
  ASSERT_TRUE(state.store().put(request).ok());
}

raft::SnapshotMetadata metadata_at(uint64_t index) {
  raft::SnapshotMetadata metadata;
  metadata.index = raft::Index(index);
  metadata.term = raft::Term(2);
  metadata.conf_state.voters = {raft::NodeId(1)};
  return metadata;
}

// Drives the job as the loop does: a step whenever it wants one, writes in between, until done.
bool run_to_completion(SnapshotJob& job, StateMachine& state, int* writes_between) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (const std::optional<bool> done = job.poll()) return *done;
    if (job.wants_step()) {
      job.step();
      put(state, "later-" + std::to_string(*writes_between), "x");
      ++*writes_between;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ADD_FAILURE() << "the snapshot job did not finish within 30 s";
  return false;
}

TEST(SnapshotJobTest, TheFileHoldsTheStateOfTheMomentTheJobStarted) {
  TempDir dir;
  StateMachine state(kv::StoreOptions{});
  // About 5 MiB: more than the writer's queue, so the loop must wait for it at least once.
  for (int i = 0; i < 20'000; ++i) put(state, "key" + std::to_string(i), std::string(256, 'v'));
  ASSERT_TRUE(state.store().compact(state.store().revision() - 100).ok());
  const std::string expected = state.snapshot();

  std::atomic<int> wakes = 0;
  SnapshotJob job(state, metadata_at(20'001), dir.path(), [&] { ++wakes; });
  int writes_between = 0;
  ASSERT_TRUE(run_to_completion(job, state, &writes_between)) << job.error();
  EXPECT_GT(writes_between, 10) << "the state should have changed between slices";
  EXPECT_GT(wakes.load(), 0) << "the writer never woke the loop";
  EXPECT_FALSE(state.store().snapshot_streaming()) << "compaction is still held back";
  EXPECT_EQ(job.bytes(), expected.size());

  storage::PosixDisk disk;
  auto read = storage::read_snapshot_file(disk, job.path());
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(read->metadata.index, raft::Index(20'001));
  EXPECT_TRUE(read->data == expected)
      << read->data.size() << " bytes read, " << expected.size() << " expected";
  EXPECT_FALSE(std::filesystem::exists(job.path() + ".tmp"));
}

TEST(SnapshotJobTest, ACancelledJobLeavesNoFileAndReleasesTheStore) {
  TempDir dir;
  StateMachine state(kv::StoreOptions{});
  for (int i = 0; i < 20'000; ++i) put(state, "key" + std::to_string(i), std::string(256, 'v'));
  SnapshotJob job(state, metadata_at(7), dir.path(), [] {});
  for (int i = 0; i < 10 && job.wants_step(); ++i) job.step();
  EXPECT_TRUE(state.store().snapshot_streaming());
  job.cancel();  // what the node does before installing a leader's snapshot
  EXPECT_FALSE(state.store().snapshot_streaming());
  EXPECT_FALSE(std::filesystem::exists(job.path()));
  EXPECT_FALSE(std::filesystem::exists(job.path() + ".tmp"));
  // The state can now be replaced, as a follower installing the leader's snapshot does.
  StateMachine other(kv::StoreOptions{});
  EXPECT_TRUE(state.restore(other.snapshot()));
}

}  // namespace
}  // namespace chorus::node
