#include "storage/sim_disk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "storage_test_util.h"

namespace chorus::storage {
namespace {

Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

class SimDiskTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_STORAGE_OK(disk.create_dir("/d")); }

  std::unique_ptr<File> create(const std::string& path) {
    Result<std::unique_ptr<File>> file = disk.open(path, OpenMode::kCreateNew);
    EXPECT_TRUE(file.ok()) << file.status().to_string();
    return std::move(file).value();
  }

  SimDisk disk{1};
};

TEST_F(SimDiskTest, SyncedDataAndSyncedEntrySurviveACrash) {
  auto file = create("/d/a");
  ASSERT_STORAGE_OK(file->append(text("hello")));
  ASSERT_STORAGE_OK(file->sync_data());
  ASSERT_STORAGE_OK(disk.sync_dir("/d"));
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_EQ(*disk.contents("/d/a"), text("hello"));
}

TEST_F(SimDiskTest, UnsyncedBytesAreLost) {
  auto file = create("/d/a");
  ASSERT_STORAGE_OK(file->append(text("hello")));
  ASSERT_STORAGE_OK(file->sync_data());
  ASSERT_STORAGE_OK(disk.sync_dir("/d"));
  ASSERT_STORAGE_OK(file->append(text(" world")));
  EXPECT_EQ(*disk.contents("/d/a"), text("hello world"));
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_EQ(*disk.contents("/d/a"), text("hello"));
}

TEST_F(SimDiskTest, ANewFileNeedsItsDirectorySynced) {
  auto file = create("/d/a");
  ASSERT_STORAGE_OK(file->append(text("hello")));
  ASSERT_STORAGE_OK(file->sync_data());  // data durable, but the name is not
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_FALSE(disk.exists("/d/a"));
}

TEST_F(SimDiskTest, RenameAndRemoveNeedTheDirectorySynced) {
  auto file = create("/d/a");
  ASSERT_STORAGE_OK(file->sync_data());
  ASSERT_STORAGE_OK(disk.sync_dir("/d"));
  ASSERT_STORAGE_OK(disk.rename("/d/a", "/d/b"));
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_TRUE(disk.exists("/d/a"));
  EXPECT_FALSE(disk.exists("/d/b"));

  ASSERT_STORAGE_OK(disk.rename("/d/a", "/d/b"));
  ASSERT_STORAGE_OK(disk.sync_dir("/d"));
  ASSERT_STORAGE_OK(disk.remove("/d/b"));
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_TRUE(disk.exists("/d/b"));
}

TEST_F(SimDiskTest, AFailedSyncLosesTheDataEvenIfARetrySucceeds) {
  auto file = create("/d/a");
  ASSERT_STORAGE_OK(disk.sync_dir("/d"));
  ASSERT_STORAGE_OK(file->append(text("lost")));
  disk.fail_next_syncs(1);
  EXPECT_EQ(file->sync_data().code(), Errc::kIo);
  EXPECT_EQ(*disk.contents("/d/a"), text("lost"));  // still readable from the "page cache"
  ASSERT_STORAGE_OK(file->sync_data());             // the retry "succeeds"...
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_EQ(*disk.contents("/d/a"), Bytes{});  // ...but the data never reached the disk
}

TEST_F(SimDiskTest, WritesFailWhenSwitchedOn) {
  auto file = create("/d/a");
  disk.fail_writes(true);
  EXPECT_EQ(file->append(text("x")).code(), Errc::kIo);
  EXPECT_EQ(file->preallocate(100).code(), Errc::kIo);
  disk.fail_writes(false);
  ASSERT_STORAGE_OK(file->append(text("x")));
}

TEST_F(SimDiskTest, HandlesFromBeforeACrashAreDead) {
  auto file = create("/d/a");
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_EQ(file->append(text("x")).code(), Errc::kIo);
  EXPECT_FALSE(file->size().ok());
}

TEST_F(SimDiskTest, PreallocationReadsAsZeroesAndIsLostUnsynced) {
  auto file = create("/d/a");
  ASSERT_STORAGE_OK(disk.sync_dir("/d"));
  ASSERT_STORAGE_OK(file->preallocate(64));
  EXPECT_EQ(*file->size(), 64u);
  EXPECT_EQ(*disk.contents("/d/a"), Bytes(64, 0));
  disk.crash(CrashMode::kDropUnsynced);
  EXPECT_EQ(disk.contents("/d/a")->size(), 0u);
}

TEST_F(SimDiskTest, TornCrashKeepsAPrefixOfTheUnsyncedWrites) {
  // Over many seeds, what survives is always the synced bytes followed by a prefix of the
  // unsynced stream, and every prefix length shows up.
  const Bytes synced = text("AAAA");
  const Bytes unsynced = text("BBBBCCCC");
  std::set<size_t> lengths_seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SimDisk disk_under_test(seed);
    ASSERT_STORAGE_OK(disk_under_test.create_dir("/d"));
    auto file = std::move(disk_under_test.open("/d/a", OpenMode::kCreateNew).value());
    ASSERT_STORAGE_OK(file->append(synced));
    ASSERT_STORAGE_OK(file->sync_data());
    ASSERT_STORAGE_OK(disk_under_test.sync_dir("/d"));
    ASSERT_STORAGE_OK(file->append(text("BBBB")));
    ASSERT_STORAGE_OK(file->append(text("CCCC")));
    disk_under_test.crash(CrashMode::kTornWrite);
    const Bytes after = *disk_under_test.contents("/d/a");
    ASSERT_GE(after.size(), synced.size());
    const size_t kept = after.size() - synced.size();
    ASSERT_LE(kept, unsynced.size());
    Bytes expected = synced;
    expected.insert(expected.end(), unsynced.begin(),
                    unsynced.begin() + static_cast<ptrdiff_t>(kept));
    EXPECT_EQ(after, expected) << "seed " << seed;
    lengths_seen.insert(kept);
  }
  EXPECT_EQ(lengths_seen.size(), unsynced.size() + 1);
}

TEST_F(SimDiskTest, SameSeedSameCrash) {
  auto run = [](uint64_t seed) {
    SimDisk disk_under_test(seed);
    EXPECT_TRUE(disk_under_test.create_dir("/d").ok());
    auto file = std::move(disk_under_test.open("/d/a", OpenMode::kCreateNew).value());
    EXPECT_TRUE(disk_under_test.sync_dir("/d").ok());
    EXPECT_TRUE(file->append(Bytes(1000, 7)).ok());
    disk_under_test.crash(CrashMode::kTornWrite);
    return disk_under_test.contents("/d/a")->size();
  };
  EXPECT_EQ(run(99), run(99));
}

TEST_F(SimDiskTest, ListAndErrors) {
  create("/d/b");
  create("/d/a");
  EXPECT_EQ(*disk.list_dir("/d"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(disk.open("/d/a", OpenMode::kCreateNew).status().code(), Errc::kAlreadyExists);
  EXPECT_EQ(disk.open("/d/zz", OpenMode::kOpenExisting).status().code(), Errc::kNotFound);
  EXPECT_EQ(disk.list_dir("/nope").status().code(), Errc::kNotFound);
  EXPECT_EQ(disk.remove("/d/zz").code(), Errc::kNotFound);
}

}  // namespace
}  // namespace chorus::storage
