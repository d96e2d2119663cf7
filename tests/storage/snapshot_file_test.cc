#include "storage/snapshot_file.h"

#include <gtest/gtest.h>

#include "storage/posix_disk.h"
#include "storage/sim_disk.h"
#include "storage_test_util.h"

namespace chorus::storage {
namespace {

raft::Snapshot make_snapshot(uint64_t index, uint64_t term, std::string data = "state") {
  raft::Snapshot snapshot;
  snapshot.metadata.index = raft::Index(index);
  snapshot.metadata.term = raft::Term(term);
  snapshot.metadata.conf_state.voters = {raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)};
  snapshot.metadata.conf_state.learners = {raft::NodeId(4)};
  snapshot.metadata.conf_state.voters_outgoing = {raft::NodeId(1)};
  snapshot.metadata.conf_state.learners_next = {raft::NodeId(5)};
  snapshot.metadata.conf_state.auto_leave = true;
  snapshot.data = std::move(data);
  return snapshot;
}

class SnapshotFileTest : public ::testing::Test {
 protected:
  SnapshotFileTest() { EXPECT_TRUE(disk.create_dir("/data").ok()); }

  std::string write(const raft::Snapshot& snapshot) {
    Result<std::string> path = write_snapshot_file(disk, dir, snapshot);
    EXPECT_TRUE(path.ok()) << path.status().to_string();
    return path.ok() ? *path : "";
  }

  SimDisk disk{3};
  const std::string dir = "/data/snap";
};

TEST_F(SnapshotFileTest, NameRoundTrips) {
  EXPECT_EQ(snapshot_file_name(raft::Term(2), raft::Index(255)),
            "snap-0000000000000002-00000000000000ff.snap");
  const auto parsed = parse_snapshot_file_name("snap-0000000000000002-00000000000000ff.snap");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->term, raft::Term(2));
  EXPECT_EQ(parsed->index, raft::Index(255));
  EXPECT_FALSE(parse_snapshot_file_name("snap-0000000000000002-00000000000000ff.snap.tmp"));
  EXPECT_FALSE(parse_snapshot_file_name("snap-000000000000000X-00000000000000ff.snap"));
}

TEST_F(SnapshotFileTest, WrittenDurablyAndReadBack) {
  const raft::Snapshot snapshot = make_snapshot(100, 3);
  const std::string path = write(snapshot);
  EXPECT_EQ(path, dir + "/" + snapshot_file_name(raft::Term(3), raft::Index(100)));
  disk.crash(CrashMode::kTornWrite);  // everything was synced: nothing to tear
  Result<raft::Snapshot> read = read_snapshot_file(disk, path);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(*read, snapshot);
  EXPECT_FALSE(disk.exists(path + ".tmp"));
}

TEST(SnapshotFileOnPosix, AnImageOfManyWriteBackChunksReadsBackWhole) {
  // 20 MiB: written in three chunks, each handed to writeback (sync_file_range) as it goes.
  testing::TempDir temp;
  PosixDisk disk;
  std::string data(20u << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) >> 7);
  const raft::Snapshot snapshot = make_snapshot(7, 2, data);
  Result<std::string> path = write_snapshot_file(disk, temp.path() + "/snap", snapshot);
  ASSERT_TRUE(path.ok()) << path.status().to_string();
  Result<raft::Snapshot> read = read_snapshot_file(disk, *path);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(*read, snapshot);
}

TEST_F(SnapshotFileTest, EncodingIsCanonical) {
  const raft::Snapshot snapshot = make_snapshot(7, 1, std::string(1000, 'z'));
  const Bytes bytes = encode_snapshot(snapshot);
  Result<raft::Snapshot> decoded = decode_snapshot(bytes, "x");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(encode_snapshot(*decoded), bytes);
  write(snapshot);
  EXPECT_EQ(*disk.contents(dir + "/" + snapshot_file_name(raft::Term(1), raft::Index(7))), bytes);
}

TEST_F(SnapshotFileTest, PartialFileIsAnError) {
  const std::string path = write(make_snapshot(10, 1, std::string(500, 'q')));
  Bytes bytes = *disk.contents(path);
  for (size_t keep : {size_t{0}, size_t{10}, size_t{30}, bytes.size() / 2, bytes.size() - 1}) {
    disk.set_durable_contents(path,
                              Bytes(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(keep)));
    Result<raft::Snapshot> read = read_snapshot_file(disk, path);
    ASSERT_FALSE(read.ok()) << "kept " << keep;
    EXPECT_EQ(read.status().code(), Errc::kCorrupt);
    EXPECT_NE(read.status().message().find(path), std::string::npos);
  }
}

TEST_F(SnapshotFileTest, FlippedBitAnywhereIsAnError) {
  const std::string path = write(make_snapshot(10, 1, "abcdefgh"));
  const uint64_t size = disk.contents(path)->size();
  for (uint64_t offset = 0; offset < size; ++offset) {
    disk.corrupt_byte(path, offset, 0x04);
    EXPECT_FALSE(read_snapshot_file(disk, path).ok()) << "offset " << offset;
    disk.corrupt_byte(path, offset, 0x04);
  }
  EXPECT_TRUE(read_snapshot_file(disk, path).ok());
}

TEST_F(SnapshotFileTest, NameMustMatchMetadata) {
  const std::string path = write(make_snapshot(10, 1));
  const std::string wrong = dir + "/" + snapshot_file_name(raft::Term(1), raft::Index(11));
  ASSERT_STORAGE_OK(disk.rename(path, wrong));
  EXPECT_EQ(read_snapshot_file(disk, wrong).status().code(), Errc::kCorrupt);
}

// The server streams its image in pieces and fills in a count at the start once it is known;
// the file must be the one a single write of the final image gives, checksum included.
TEST_F(SnapshotFileTest, StreamedWithAPatchEqualsTheWholeImageWrittenAtOnce) {
  std::string image(3 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<char>(i * 31 + i / 997);
  const raft::Snapshot whole = make_snapshot(9, 2, image);
  const Bytes expected = encode_snapshot(whole);

  const std::string count = image.substr(40, 8);
  std::string streamed = image;
  std::fill_n(streamed.begin() + 40, count.size(), '\0');  // the field, not yet known
  Result<SnapshotFileWriter> writer = SnapshotFileWriter::create(disk, dir, whole.metadata);
  ASSERT_TRUE(writer.ok()) << writer.status().to_string();
  for (size_t offset = 0; offset < streamed.size(); offset += 700'001) {
    const std::string piece = streamed.substr(offset, 700'001);
    ASSERT_TRUE(writer->append(as_bytes(piece)).ok());
  }
  ASSERT_TRUE(writer->patch(40, as_bytes(count)).ok());
  EXPECT_FALSE(disk.exists(dir + "/" + snapshot_file_name(raft::Term(2), raft::Index(9))))
      << "the final name appeared before finish()";
  Result<std::string> path = writer->finish();
  ASSERT_TRUE(path.ok()) << path.status().to_string();
  EXPECT_TRUE(*disk.contents(*path) == expected);
  Result<raft::Snapshot> read = read_snapshot_file(disk, *path);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_TRUE(read->data == image);
}

TEST_F(SnapshotFileTest, AnAbandonedStreamLeavesNoFile) {
  const raft::Snapshot snapshot = make_snapshot(11, 1);
  {
    Result<SnapshotFileWriter> writer = SnapshotFileWriter::create(disk, dir, snapshot.metadata);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->append(as_bytes(std::string("partial"))).ok());
    EXPECT_TRUE(disk.exists(snapshot_file_path(dir, snapshot.metadata) + ".tmp"));
  }  // a node stopping, or a snapshot from the leader overtaking this one
  EXPECT_FALSE(disk.exists(snapshot_file_path(dir, snapshot.metadata) + ".tmp"));
  EXPECT_FALSE(disk.exists(snapshot_file_path(dir, snapshot.metadata)));
}

TEST_F(SnapshotFileTest, CrashBeforeTheRenameLeavesNoSnapshot) {
  disk.fail_next_dir_syncs(1);
  EXPECT_FALSE(write_snapshot_file(disk, dir, make_snapshot(10, 1)).ok());
  disk.crash(CrashMode::kDropUnsynced);
  Result<LoadedSnapshot> loaded = load_newest_snapshot(disk, dir, raft::Index{});
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->snapshot.empty());
}

TEST_F(SnapshotFileTest, FsyncFailureIsReported) {
  disk.fail_next_syncs(1);
  const Result<std::string> written = write_snapshot_file(disk, dir, make_snapshot(10, 1));
  EXPECT_EQ(written.status().code(), Errc::kIo);
}

TEST_F(SnapshotFileTest, LoadNewestPicksTheHighestIndex) {
  write(make_snapshot(10, 1));
  write(make_snapshot(30, 2));
  write(make_snapshot(20, 2));
  Result<LoadedSnapshot> loaded = load_newest_snapshot(disk, dir, raft::Index(30));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->snapshot.metadata.index, raft::Index(30));
  EXPECT_TRUE(loaded->notes.empty());
}

TEST_F(SnapshotFileTest, LoadNewestSkipsACorruptNewestIfAnOlderValidOneWillDo) {
  write(make_snapshot(10, 1));
  const std::string newest = write(make_snapshot(20, 1));
  disk.corrupt_byte(newest, 30, 0xFF);
  Result<LoadedSnapshot> loaded = load_newest_snapshot(disk, dir, raft::Index(10));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->snapshot.metadata.index, raft::Index(10));
  ASSERT_EQ(loaded->notes.size(), 2u);
  EXPECT_NE(loaded->notes[0].find(newest), std::string::npos);
  EXPECT_NE(loaded->notes[1].find(newest + kBrokenSuffix), std::string::npos);
}

TEST_F(SnapshotFileTest, ASkippedCorruptFileIsRenamedSoRetentionKeepsTheLoadedOne) {
  write(make_snapshot(10, 1));
  const std::string newest = write(make_snapshot(20, 1));
  disk.corrupt_byte(newest, 30, 0xFF);
  ASSERT_TRUE(load_newest_snapshot(disk, dir, raft::Index(10)).ok());
  disk.crash(CrashMode::kDropUnsynced);  // the rename was made durable
  // Before the rename, keeping the newest one by name kept the corrupt file and removed the
  // only valid snapshot, the one the member had just restarted from.
  ASSERT_STORAGE_OK(retain_newest_snapshots(disk, dir, 1, /*remove_temporaries=*/false));
  EXPECT_EQ(*disk.list_dir(dir),
            (std::vector<std::string>{
                snapshot_file_name(raft::Term(1), raft::Index(10)),
                snapshot_file_name(raft::Term(1), raft::Index(20)) + kBrokenSuffix}));
  auto again = load_newest_snapshot(disk, dir, raft::Index(10));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->snapshot.metadata.index, raft::Index(10));
  EXPECT_TRUE(again->notes.empty()) << "the broken file is not read again";
}

TEST_F(SnapshotFileTest, ARefusedLoadRenamesNothing) {
  write(make_snapshot(10, 1));
  const std::string newest = write(make_snapshot(20, 1));
  disk.corrupt_byte(newest, 30, 0xFF);
  ASSERT_FALSE(load_newest_snapshot(disk, dir, raft::Index(20)).ok());
  EXPECT_EQ(*disk.list_dir(dir),
            (std::vector<std::string>{snapshot_file_name(raft::Term(1), raft::Index(10)),
                                      snapshot_file_name(raft::Term(1), raft::Index(20))}));
}

TEST_F(SnapshotFileTest, LoadNewestRefusesWhenTheValidOneIsOlderThanTheWalNeeds) {
  write(make_snapshot(10, 1));
  const std::string newest = write(make_snapshot(20, 1));
  disk.corrupt_byte(newest, 30, 0xFF);
  // The WAL released entries up to 20: snapshot 10 cannot be paired with it.
  Result<LoadedSnapshot> loaded = load_newest_snapshot(disk, dir, raft::Index(20));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Errc::kCorrupt);
  EXPECT_NE(loaded.status().message().find(newest), std::string::npos);
}

TEST_F(SnapshotFileTest, LoadNewestRefusesWhenOnlyCorruptFilesExist) {
  const std::string only = write(make_snapshot(20, 1));
  disk.set_durable_contents(only, Bytes(10, 1));
  Result<LoadedSnapshot> loaded = load_newest_snapshot(disk, dir, raft::Index{});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Errc::kCorrupt);
}

TEST_F(SnapshotFileTest, LoadNewestWithNothingAndNothingNeeded) {
  Result<LoadedSnapshot> loaded = load_newest_snapshot(disk, dir, raft::Index{});
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->snapshot.empty());
  EXPECT_EQ(load_newest_snapshot(disk, dir, raft::Index(5)).status().code(), Errc::kNotFound);
}

TEST_F(SnapshotFileTest, RetainKeepsTheNewestAndRemovesTemporaries) {
  for (uint64_t index : {10, 20, 30, 40}) write(make_snapshot(index, 1));
  disk.set_durable_contents(dir + "/snap-0000000000000001-0000000000000050.snap.tmp", Bytes(3, 0));
  ASSERT_STORAGE_OK(retain_newest_snapshots(disk, dir, 2));
  disk.crash(CrashMode::kDropUnsynced);  // the removals were made durable
  EXPECT_EQ(*disk.list_dir(dir),
            (std::vector<std::string>{snapshot_file_name(raft::Term(1), raft::Index(30)),
                                      snapshot_file_name(raft::Term(1), raft::Index(40))}));
}

TEST_F(SnapshotFileTest, PacedRetainShrinksOldFilesAwayAndKeepsTheNewest) {
  const std::string big(10000, 'x');
  for (uint64_t index : {10, 20, 30}) write(make_snapshot(index, 1, big));
  const RemovalPace pace{1000, std::chrono::milliseconds(0)};
  ASSERT_STORAGE_OK(retain_newest_snapshots(disk, dir, 1, /*remove_temporaries=*/false, pace));
  disk.crash(CrashMode::kDropUnsynced);  // the removals were made durable
  EXPECT_EQ(*disk.list_dir(dir),
            (std::vector<std::string>{snapshot_file_name(raft::Term(1), raft::Index(30))}));
  auto loaded = load_newest_snapshot(disk, dir, raft::Index(30));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->snapshot.data, big);
}

// A disk whose files accept one truncate and fail every later one: a removal cut short after
// its first slice, as a crash would cut it.
class TruncatesOnce final : public Disk {
 public:
  explicit TruncatesOnce(Disk& inner) : inner_(inner) {}
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
    auto file = inner_.open(path, mode);
    if (!file.ok()) return file.status();
    return std::unique_ptr<File>(std::make_unique<Handle>(std::move(*file)));
  }
  Status sync_dir(const std::string& dir) override { return inner_.sync_dir(dir); }
  Status rename(const std::string& from, const std::string& to) override {
    return inner_.rename(from, to);
  }
  Status remove(const std::string& path) override { return inner_.remove(path); }
  Result<std::vector<std::string>> list_dir(const std::string& dir) override {
    return inner_.list_dir(dir);
  }
  Status create_dir(const std::string& dir) override { return inner_.create_dir(dir); }

 private:
  class Handle final : public File {
   public:
    explicit Handle(std::unique_ptr<File> inner) : inner_(std::move(inner)) {}
    Status write_at(uint64_t offset, std::span<const uint8_t> data) override {
      return inner_->write_at(offset, data);
    }
    Status append(std::span<const uint8_t> data) override { return inner_->append(data); }
    Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
      return inner_->read_at(offset, out);
    }
    Status sync_data() override { return inner_->sync_data(); }
    Result<uint64_t> size() override { return inner_->size(); }
    Status preallocate(uint64_t size_bytes) override { return inner_->preallocate(size_bytes); }
    Status truncate(uint64_t size_bytes) override {
      if (truncated_) return Status(Errc::kIo, "injected: the removal is cut short");
      truncated_ = true;
      return inner_->truncate(size_bytes);
    }
    const std::string& path() const override { return inner_->path(); }

   private:
    std::unique_ptr<File> inner_;
    bool truncated_ = false;
  };
  Disk& inner_;
};

TEST_F(SnapshotFileTest, PacedRetainCutShortLeavesOnlyATemporaryBehind) {
  // A paced removal renames the file away before shrinking it: cut short midway, it leaves no
  // damaged snapshot under a final name, and the next open removes the temporary.
  const std::string big(10000, 'x');
  for (uint64_t index : {10, 20}) write(make_snapshot(index, 1, big));
  TruncatesOnce cut_short(disk);
  const RemovalPace pace{1000, std::chrono::milliseconds(0)};
  EXPECT_FALSE(retain_newest_snapshots(cut_short, dir, 1, /*remove_temporaries=*/false, pace).ok());
  disk.crash(CrashMode::kDropUnsynced);
  const std::string newest = snapshot_file_name(raft::Term(1), raft::Index(20));
  const std::string doomed = snapshot_file_name(raft::Term(1), raft::Index(10)) + ".tmp";
  EXPECT_EQ(*disk.list_dir(dir), (std::vector<std::string>{doomed, newest}));
  auto loaded = load_newest_snapshot(disk, dir, raft::Index(20));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  ASSERT_STORAGE_OK(retain_newest_snapshots(disk, dir, SIZE_MAX, /*remove_temporaries=*/true));
  EXPECT_EQ(*disk.list_dir(dir), (std::vector<std::string>{newest}));
}

TEST_F(SnapshotFileTest, RateLimitedWriteProducesTheSameFile) {
  // The server caps its background snapshot writes; the cap changes the pace, not the bytes.
  const raft::Snapshot snapshot = make_snapshot(40, 2, std::string(3 << 20, 'y'));
  Result<std::string> path = write_snapshot_file(disk, dir, snapshot, 1ull << 30);
  ASSERT_TRUE(path.ok()) << path.status().to_string();
  auto read = read_snapshot_file(disk, *path);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(read->data, snapshot.data);
  EXPECT_EQ(*disk.contents(*path), encode_snapshot(snapshot));
}

TEST_F(SnapshotFileTest, RetainCanLeaveATemporaryBeingWrittenAlone) {
  // The server prunes while its next snapshot may be being written into a *.tmp file.
  for (uint64_t index : {10, 20, 30}) write(make_snapshot(index, 1));
  const std::string in_progress = "snap-0000000000000001-0000000000000050.snap.tmp";
  disk.set_durable_contents(dir + "/" + in_progress, Bytes(3, 0));
  ASSERT_STORAGE_OK(retain_newest_snapshots(disk, dir, 1, /*remove_temporaries=*/false));
  EXPECT_EQ(
      *disk.list_dir(dir),
      (std::vector<std::string>{snapshot_file_name(raft::Term(1), raft::Index(30)), in_progress}));
  // Keeping everything and removing temporaries: what a store does when it opens.
  ASSERT_STORAGE_OK(retain_newest_snapshots(disk, dir, SIZE_MAX, /*remove_temporaries=*/true));
  EXPECT_EQ(*disk.list_dir(dir),
            (std::vector<std::string>{snapshot_file_name(raft::Term(1), raft::Index(30))}));
}

TEST_F(SnapshotFileTest, EmptySnapshotIsRefused) {
  EXPECT_EQ(write_snapshot_file(disk, dir, raft::Snapshot{}).status().code(),
            Errc::kInvalidArgument);
}

TEST(SnapshotFilePosix, RoundTripOnRealFiles) {
  testing::TempDir temp;
  PosixDisk disk;
  const raft::Snapshot snapshot = make_snapshot(42, 7, std::string(1 << 20, 'x'));
  Result<std::string> path = write_snapshot_file(disk, temp.path() + "/snap", snapshot);
  ASSERT_TRUE(path.ok()) << path.status().to_string();
  Result<LoadedSnapshot> loaded =
      load_newest_snapshot(disk, temp.path() + "/snap", raft::Index(42));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->snapshot, snapshot);
  EXPECT_EQ(loaded->path, *path);
}

}  // namespace
}  // namespace chorus::storage
