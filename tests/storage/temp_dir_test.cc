// base::make_temp_dir: where the harnesses (demo, chaos, tests) keep member data. It must honour
// $TMPDIR, which the CI run points at a directory of its own to catch leftovers.
#include "base/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>

namespace chorus::base {
namespace {

// Sets TMPDIR for one test and puts the old value back.
class TmpdirOverride {
 public:
  explicit TmpdirOverride(const std::string& value) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", value.c_str(), 1);
  }
  ~TmpdirOverride() {
    if (old_) {
      ::setenv("TMPDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }
  TmpdirOverride(const TmpdirOverride&) = delete;
  TmpdirOverride& operator=(const TmpdirOverride&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST(TempDir, IsMadeUnderTmpdirPrivateAndUnique) {
  const std::string root = make_temp_dir("chorus-temp-dir-test-");
  ASSERT_FALSE(root.empty());
  {
    TmpdirOverride tmpdir(root);
    const std::string first = make_temp_dir("member-");
    const std::string second = make_temp_dir("member-");
    ASSERT_FALSE(first.empty());
    ASSERT_FALSE(second.empty());
    EXPECT_NE(first, second);
    EXPECT_EQ(std::filesystem::path(first).parent_path(), std::filesystem::path(root));
    EXPECT_EQ(std::filesystem::path(first).filename().string().rfind("member-", 0), 0u);
    struct stat info {};
    ASSERT_EQ(::stat(first.c_str(), &info), 0);
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0700u);
  }
  std::filesystem::remove_all(root);
}

TEST(TempDir, ReturnsEmptyWhenTmpdirIsNotADirectory) {
  const std::string root = make_temp_dir("chorus-temp-dir-test-");
  ASSERT_FALSE(root.empty());
  {
    TmpdirOverride tmpdir(root + "/missing");
    EXPECT_EQ(make_temp_dir("member-"), "");
  }
  EXPECT_TRUE(std::filesystem::is_empty(root));
  std::filesystem::remove_all(root);
}

TEST(TempDir, ScopedOneIsRemovedWithItsContents) {
  std::string path;
  {
    ScopedTempDir scoped("chorus-temp-dir-test-");
    path = scoped.path();
    ASSERT_FALSE(path.empty());
    std::filesystem::create_directories(path + "/member/wal");
    ASSERT_TRUE(std::filesystem::exists(path + "/member/wal"));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace chorus::base
