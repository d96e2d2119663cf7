// A WAL on a SimDisk with small segments, and shortcuts for the tests.
#pragma once

#include <gtest/gtest.h>

#include "storage/segment.h"
#include "storage/sim_disk.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace chorus::storage::testing {

class WalFixture : public ::testing::Test {
 protected:
  WalFixture() {
    options.segment_bytes = 1024;
    EXPECT_TRUE(disk.create_dir("/data").ok());
  }

  Result<OpenedWal> try_open() { return Wal::open(disk, dir, options); }

  // Opens, expecting success; keeps the WAL in `wal`.
  RecoveredState open() {
    wal.reset();
    Result<OpenedWal> opened = try_open();
    EXPECT_TRUE(opened.ok()) << opened.status().to_string();
    if (!opened.ok()) return {};
    wal = std::move(opened->wal);
    return std::move(opened->state);
  }

  // The process dies and comes back.
  RecoveredState crash_and_reopen(CrashMode mode = CrashMode::kDropUnsynced) {
    wal.reset();
    disk.crash(mode);
    return open();
  }

  void append(uint64_t first, uint64_t count, uint64_t term) {
    const std::vector<raft::Entry> entries = make_entries(first, count, term);
    ASSERT_STORAGE_OK(wal->save(nullptr, entries));
  }

  void append_and_sync(uint64_t first, uint64_t count, uint64_t term) {
    append(first, count, term);
    ASSERT_STORAGE_OK(wal->sync());
  }

  // Segment file paths, oldest first.
  std::vector<std::string> segments() {
    std::vector<std::string> paths;
    const Result<std::vector<std::string>> names = disk.list_dir(dir);
    EXPECT_TRUE(names.ok());
    if (!names.ok()) return paths;
    for (const std::string& name : *names) {
      if (parse_segment_file_name(name)) paths.push_back(dir + "/" + name);
    }
    return paths;
  }

  SimDisk disk{7};
  WalOptions options;
  const std::string dir = "/data/wal";
  std::unique_ptr<Wal> wal;
};

}  // namespace chorus::storage::testing
