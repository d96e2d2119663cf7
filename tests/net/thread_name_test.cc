#include "base/thread_name.h"

#include <gtest/gtest.h>

#include <thread>

namespace chorus::base {
namespace {

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = this_thread_name();
  std::string seen;
  std::thread worker([&] {
    name_this_thread("peer-writer");
    seen = this_thread_name();
  });
  worker.join();
  EXPECT_EQ(seen, "peer-writer");
  EXPECT_EQ(this_thread_name(), before);
}

TEST(ThreadName, LongNamesAreCutToWhatLinuxKeeps) {
  std::string seen;
  std::thread worker([&] {
    name_this_thread("snapshot-janitor-of-member-1");
    seen = this_thread_name();
  });
  worker.join();
  EXPECT_EQ(seen, "snapshot-janito");
}

}  // namespace
}  // namespace chorus::base
