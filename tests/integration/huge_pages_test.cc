// With CHORUS_MALLOC_HUGE_PAGES=1, `chorus serve` re-executes itself with glibc's malloc on
// transparent huge pages (cli/huge_pages.h: fork for snapshots copies 512 times fewer page-table
// entries); by default it does not.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "integration/cluster.h"

namespace chorus::testing {
namespace {

// The environment a running process was exec()ed with, NUL-separated.
std::string environment_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool serves_with(const char* opt_in, bool expect_tunable) {
  if (opt_in != nullptr) setenv("CHORUS_MALLOC_HUGE_PAGES", opt_in, 1);
  ClusterOptions options;
  options.members = 1;
  Cluster cluster(options);
  const bool started = cluster.start();
  if (opt_in != nullptr) unsetenv("CHORUS_MALLOC_HUGE_PAGES");
  EXPECT_TRUE(started);
  if (!started) return false;
  // It serves (the re-executed process is the one the harness started: exec keeps the pid).
  EXPECT_TRUE(cluster.wait_for_leader(std::chrono::seconds(20)).has_value());
  EXPECT_TRUE(put(cluster, 0, "k", "v", 5000));
  const std::string environment = environment_of(cluster.member(0).pid);
  const bool has_tunable =
      environment.find("GLIBC_TUNABLES=glibc.malloc.hugetlb=1") != std::string::npos;
  EXPECT_EQ(has_tunable, expect_tunable) << "environment: " << environment;
  // Still named after its binary, so that ps, pgrep and pidof find it (executing
  // /proc/self/exe named it "exe").
  std::ifstream comm("/proc/" + std::to_string(cluster.member(0).pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, std::filesystem::path(CHORUS_BINARY).filename().string().substr(0, 15));
  return true;
}

TEST(HugePages, ServerReExecutesWithTheMallocTunableWhenAskedTo) {
  ASSERT_EQ(getenv("GLIBC_TUNABLES"), nullptr) << "the test needs a clean environment";
  serves_with("1", /*expect_tunable=*/true);
}

TEST(HugePages, OffByDefault) {
  ASSERT_EQ(getenv("GLIBC_TUNABLES"), nullptr) << "the test needs a clean environment";
  serves_with(nullptr, /*expect_tunable=*/false);
}

}  // namespace
}  // namespace chorus::testing
