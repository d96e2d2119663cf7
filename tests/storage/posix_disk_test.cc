#include "storage/posix_disk.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage_test_util.h"

namespace chorus::storage {
namespace {

Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

TEST(PosixDisk, WriteReadSyncRenameRemove) {
  testing::TempDir temp;
  PosixDisk disk;
  const std::string dir = temp.path() + "/d";
  ASSERT_STORAGE_OK(disk.create_dir(dir));
  ASSERT_STORAGE_OK(disk.create_dir(dir));  // idempotent
  {
    Result<std::unique_ptr<File>> file = disk.open(dir + "/a.tmp", OpenMode::kCreateNew);
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    ASSERT_STORAGE_OK((*file)->append(text("hello")));
    ASSERT_STORAGE_OK((*file)->write_at(10, text("world")));
    EXPECT_EQ(*(*file)->size(), 15u);
    Bytes read(20, 0xEE);
    EXPECT_EQ(*(*file)->read_at(0, read), 15u);  // short at the end of the file
    EXPECT_EQ(Bytes(read.begin(), read.begin() + 15),
              text(std::string("hello") + std::string(5, '\0') + "world"));
    ASSERT_STORAGE_OK((*file)->sync_data());
  }
  ASSERT_STORAGE_OK(disk.rename(dir + "/a.tmp", dir + "/a"));
  ASSERT_STORAGE_OK(disk.sync_dir(dir));
  EXPECT_EQ(*disk.list_dir(dir), std::vector<std::string>{"a"});
  EXPECT_EQ(disk.open(dir + "/a", OpenMode::kCreateNew).status().code(), Errc::kAlreadyExists);
  ASSERT_STORAGE_OK(disk.remove(dir + "/a"));
  EXPECT_EQ(disk.open(dir + "/a", OpenMode::kOpenExisting).status().code(), Errc::kNotFound);
  EXPECT_EQ(disk.list_dir(dir + "/missing").status().code(), Errc::kNotFound);
}

TEST(PosixDisk, PreallocateReservesZeroesAndTruncateCuts) {
  testing::TempDir temp;
  PosixDisk disk;
  Result<std::unique_ptr<File>> file = disk.open(temp.path() + "/f", OpenMode::kCreateNew);
  ASSERT_TRUE(file.ok());
  ASSERT_STORAGE_OK((*file)->append(text("abc")));
  ASSERT_STORAGE_OK((*file)->preallocate(1 << 16));
  EXPECT_EQ(*(*file)->size(), 1u << 16);
  Bytes tail(16);
  EXPECT_EQ(*(*file)->read_at(100, tail), 16u);
  EXPECT_EQ(tail, Bytes(16, 0));
  ASSERT_STORAGE_OK((*file)->truncate(3));
  EXPECT_EQ(*(*file)->size(), 3u);
}

TEST(PosixDisk, ErrorsNameThePath) {
  PosixDisk disk;
  const Status status = disk.sync_dir("/nonexistent/chorus/dir");
  EXPECT_EQ(status.code(), Errc::kNotFound);
  EXPECT_NE(status.message().find("/nonexistent/chorus/dir"), std::string::npos);
}

TEST(PosixDisk, ListSkipsSubdirectories) {
  testing::TempDir temp;
  PosixDisk disk;
  ASSERT_STORAGE_OK(disk.create_dir(temp.path() + "/sub"));
  ASSERT_TRUE(disk.open(temp.path() + "/file", OpenMode::kCreateNew).ok());
  EXPECT_EQ(*disk.list_dir(temp.path()), std::vector<std::string>{"file"});
}

}  // namespace
}  // namespace chorus::storage
