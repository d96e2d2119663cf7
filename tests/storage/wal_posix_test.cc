// The WAL on real files: the same recovery rules through PosixDisk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "storage/posix_disk.h"
#include "storage/segment.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace chorus::storage {
namespace {

using testing::indexes_of;
using testing::make_entries;

class WalPosixTest : public ::testing::Test {
 protected:
  WalPosixTest() { options.segment_bytes = 4096; }

  Result<OpenedWal> try_open() { return Wal::open(disk, dir, options); }
  RecoveredState open() {
    wal.reset();
    Result<OpenedWal> opened = try_open();
    EXPECT_TRUE(opened.ok()) << opened.status().to_string();
    if (!opened.ok()) return {};
    wal = std::move(opened->wal);
    return std::move(opened->state);
  }
  std::vector<std::string> segments() {
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (parse_segment_file_name(entry.path().filename().string())) {
        paths.push_back(entry.path().string());
      }
    }
    std::sort(paths.begin(), paths.end());
    return paths;
  }
  Bytes read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }
  void overwrite(const std::string& path, uint64_t offset, uint8_t value) {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(offset));
    file.put(static_cast<char>(value));
  }

  testing::TempDir temp;
  PosixDisk disk;
  WalOptions options;
  const std::string dir = temp.path() + "/wal";
  std::unique_ptr<Wal> wal;
};

TEST_F(WalPosixTest, CleanRestartWithRotation) {
  open();
  const raft::HardState hard_state = testing::make_hard_state(2, 1, 300);
  for (uint64_t i = 1; i <= 300; i += 10) {
    ASSERT_STORAGE_OK(wal->save(nullptr, make_entries(i, 10, 2)));
    ASSERT_STORAGE_OK(wal->sync());
  }
  ASSERT_STORAGE_OK(wal->save(&hard_state, {}));
  ASSERT_STORAGE_OK(wal->sync());
  EXPECT_GT(segments().size(), 2u);
  const RecoveredState state = open();
  ASSERT_EQ(state.entries.size(), 300u);
  EXPECT_EQ(state.entries.back().index, raft::Index(300));
  EXPECT_EQ(state.hard_state, hard_state);
  EXPECT_TRUE(state.recovery_notes.empty());
  // Preallocated: the active segment has its full size on disk.
  EXPECT_EQ(std::filesystem::file_size(segments().back()), options.segment_bytes);
}

// Whether any extent of `path` overlapping [begin, end) is still "unwritten" (preallocated, never
// written), from FIEMAP; nullopt where the filesystem cannot say.
std::optional<bool> unwritten_between(const std::string& path, uint64_t begin, uint64_t end) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::nullopt;
  constexpr unsigned kExtents = 64;
  std::vector<uint8_t> buffer(sizeof(fiemap) + kExtents * sizeof(fiemap_extent), 0);
  auto* map = reinterpret_cast<fiemap*>(buffer.data());
  map->fm_start = begin;
  map->fm_length = end - begin;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = kExtents;
  const int result = ::ioctl(fd, FS_IOC_FIEMAP, map);
  ::close(fd);
  if (result != 0 || map->fm_mapped_extents == 0) return std::nullopt;
  for (unsigned i = 0; i < map->fm_mapped_extents; ++i) {
    const fiemap_extent& extent = map->fm_extents[i];
    const bool overlaps = extent.fe_logical < end && extent.fe_logical + extent.fe_length > begin;
    if (overlaps && (extent.fe_flags & FIEMAP_EXTENT_UNWRITTEN) != 0) return true;
  }
  return false;
}

// The space just past the data is kept written with zeroes (zero_ahead_bytes), so a sync of the
// next batches converts no preallocated block; without it, that space is unwritten.
TEST_F(WalPosixTest, ZeroesAreWrittenAheadOfTheData) {
  options.segment_bytes = 4 << 20;
  options.zero_ahead_bytes = 256 << 10;
  uint64_t data_end = 0;
  for (const uint64_t zero_ahead : {uint64_t{0}, options.zero_ahead_bytes}) {
    std::filesystem::remove_all(dir);
    options.zero_ahead_bytes = zero_ahead;
    open();
    for (uint64_t i = 1; i <= 100; i += 10) {
      ASSERT_STORAGE_OK(wal->save(nullptr, make_entries(i, 10, 1)));
      ASSERT_STORAGE_OK(wal->sync());
    }
    ASSERT_EQ(segments().size(), 1u);
    const Bytes contents = read(segments().back());
    data_end = contents.size();
    while (data_end > 0 && contents[data_end - 1] == 0) --data_end;
    ASSERT_GT(data_end, 0u);
    const std::optional<bool> unwritten =
        unwritten_between(segments().back(), data_end + 4096, data_end + (128 << 10));
    if (!unwritten) GTEST_SKIP() << "this filesystem does not report extents (FIEMAP)";
    if (zero_ahead == 0) {
      if (!*unwritten) GTEST_SKIP() << "this filesystem preallocates written blocks";
    } else {
      EXPECT_FALSE(*unwritten) << "unwritten blocks within the zeroed range";
      EXPECT_EQ(std::filesystem::file_size(segments().back()), options.segment_bytes);
      // Still all entries, and still zeroes past them: recovery reads those as the end.
      const RecoveredState state = open();
      EXPECT_EQ(state.entries.size(), 100u);
      EXPECT_TRUE(state.recovery_notes.empty());
    }
  }
}

TEST_F(WalPosixTest, TornTailOnRealFile) {
  open();
  ASSERT_STORAGE_OK(wal->save(nullptr, make_entries(1, 3, 1)));
  ASSERT_STORAGE_OK(wal->sync());
  wal.reset();
  const std::string segment = segments().back();
  const uint64_t end = testing::data_end(read(segment));
  overwrite(segment, end - 2, 0x5A);  // damage the last record's payload; zeroes follow
  const RecoveredState state = open();
  EXPECT_EQ(indexes_of(state.entries), (std::vector<uint64_t>{1, 2}));
  ASSERT_EQ(state.recovery_notes.size(), 1u);
  EXPECT_NE(state.recovery_notes[0].find(segment), std::string::npos);
}

TEST_F(WalPosixTest, BadChecksumMidFileRefuses) {
  open();
  ASSERT_STORAGE_OK(wal->save(nullptr, make_entries(1, 5, 1)));
  ASSERT_STORAGE_OK(wal->sync());
  wal.reset();
  const std::string segment = segments().back();
  const uint64_t entry2 = testing::record_offsets(read(segment))[2];
  overwrite(segment, entry2 + 25, 0xEE);
  const Result<OpenedWal> opened = try_open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Errc::kCorrupt);
  EXPECT_NE(opened.status().message().find(segment + ": offset " + std::to_string(entry2)),
            std::string::npos)
      << opened.status().message();
}

TEST_F(WalPosixTest, LeftoverTemporaryFileIsRemoved) {
  open();
  ASSERT_STORAGE_OK(wal->save(nullptr, make_entries(1, 1, 1)));
  ASSERT_STORAGE_OK(wal->sync());
  wal.reset();
  const std::string temporary = dir + "/" + segment_file_name(1, raft::Index(2)) + ".tmp";
  std::ofstream(temporary) << "half a segment";
  const RecoveredState state = open();
  EXPECT_EQ(state.entries.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(temporary));
}

}  // namespace
}  // namespace chorus::storage
