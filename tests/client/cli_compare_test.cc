// The chorus kv / cluster commands against etcdctl: the same commands against the same etcd must
// print the same bytes in "simple" output, so an etcd user's scripts and habits carry over.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "client/etcd_process.h"

namespace chorus::client {
namespace {

using testing::EtcdTest;

constexpr const char* kEtcdctl = "/usr/bin/etcdctl";
// Every command is a single short call; `timeout` bounds a hung one.
constexpr int kCommandSecondsMax = 20;

// The chorus binary: $CHORUS_BINARY, else the one CMake built next to this test.
std::string chorus_binary() {
  if (const char* path = std::getenv("CHORUS_BINARY")) return path;
#ifdef CHORUS_BINARY
  return CHORUS_BINARY;
#else
  return "";
#endif
}

struct Output {
  int exit_status = -1;
  std::string out;
};

class CliCompareTest : public EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (::access(kEtcdctl, X_OK) != 0) GTEST_SKIP() << kEtcdctl << " is not installed";
    if (chorus_binary().empty() || ::access(chorus_binary().c_str(), X_OK) != 0) {
      GTEST_SKIP() << "no chorus binary (set CHORUS_BINARY)";
    }
  }

  // Runs `program arguments` with `input` on stdin; stdout and the exit status come back.
  Output run(const std::string& program, const std::string& arguments, const std::string& input) {
    const std::string input_path = etcd_->directory() + "/stdin";
    std::ofstream(input_path) << input;
    const std::string command = "ETCDCTL_API=3 timeout " + std::to_string(kCommandSecondsMax) +
                                " " + program + " " + arguments + " < " + input_path +
                                " 2>/dev/null";
    Output output;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return output;
    char buffer[4096];
    std::size_t read;
    while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
      output.out.append(buffer, read);
    const int status = ::pclose(pipe);
    output.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return output;
  }

  // `etcdctl ARGS` and `chorus FAMILY ARGS` (after a reset of the test's keys) print the same.
  void expect_same(const std::string& family, const std::string& arguments,
                   const std::string& input = "") {
    reset();
    const auto etcdctl = run(kEtcdctl, "--endpoints=" + etcd_->endpoint() + " " + arguments, input);
    reset();
    const auto chorus =
        run(chorus_binary(), family + " --endpoints=" + etcd_->endpoint() + " " + arguments, input);
    EXPECT_EQ(chorus.out, etcdctl.out) << "for: " << arguments;
    EXPECT_EQ(chorus.exit_status, etcdctl.exit_status) << "for: " << arguments;
  }

  // The same starting keys for both tools: p/a=1, p/b=2, p/c=3.
  void reset() {
    etcdserverpb::DeleteRangeRequest del;
    del.set_key("p/");
    del.set_range_end("p0");
    ASSERT_TRUE(client_->delete_range(del).ok());
    for (const char* name : {"a", "b", "c"}) {
      etcdserverpb::PutRequest put;
      put.set_key(std::string("p/") + name);
      put.set_value(std::string(1, static_cast<char>('1' + (name[0] - 'a'))));
      ASSERT_TRUE(client_->put(put).ok());
    }
  }
};

TEST_F(CliCompareTest, PutPrintsLikeEtcdctl) {
  expect_same("kv", "put p/a new");
  expect_same("kv", "put p/a new --prev-kv");
  expect_same("kv", "put p/a new --lease=1234");
}

TEST_F(CliCompareTest, GetPrintsLikeEtcdctl) {
  expect_same("kv", "get p/a");
  expect_same("kv", "get p/a p/c");
  expect_same("kv", "get p/ --prefix");
  expect_same("kv", "get p/ --prefix --keys-only");
  expect_same("kv", "get p/ --prefix --limit 2");
  expect_same("kv", "get p/b --from-key --limit 2");
  expect_same("kv", "get p/ --prefix --sort-by=VALUE --order=DESCEND");
  expect_same("kv", "get p/ --prefix --print-value-only");
  expect_same("kv", "get p/missing");
  expect_same("kv", "get p/a --rev 1000000000");
}

TEST_F(CliCompareTest, DelPrintsLikeEtcdctl) {
  expect_same("kv", "del p/a");
  expect_same("kv", "del p/missing");
  expect_same("kv", "del p/ --prefix --prev-kv");
  expect_same("kv", "del p/a p/c");
}

TEST_F(CliCompareTest, TxnPrintsLikeEtcdctl) {
  expect_same("kv", "txn",
              "value(\"p/a\") = \"1\"\nmod(\"p/a\") > \"0\"\n\nput p/x 10\nget p/a\ndel p/zz\n\n"
              "put p/y 20\n\n");
  expect_same("kv", "txn",
              "value(\"p/a\") = \"2\"\n\nput p/x 10\n\nput --prev-kv p/a 20\nget p/ --prefix\n\n");
  expect_same("kv", "txn", "\nput \"p/q r\" \"hello world\"\ndel --prev-kv p/b\n\n\n");
}

TEST_F(CliCompareTest, MembersPrintLikeEtcdctl) {
  const auto etcdctl = run(kEtcdctl, "--endpoints=" + etcd_->endpoint() + " member list", "");
  const auto chorus = run(chorus_binary(), "cluster members --endpoints=" + etcd_->endpoint(), "");
  EXPECT_EQ(chorus.out, etcdctl.out);
  EXPECT_EQ(chorus.exit_status, 0);
}

TEST_F(CliCompareTest, StatusPrintsLikeEtcdctlEndpointStatus) {
  // Raft index and db size move with every write; both tools read them back to back, with no
  // write between, so they agree.
  const auto etcdctl = run(kEtcdctl, "--endpoints=" + etcd_->endpoint() + " endpoint status", "");
  const auto chorus = run(chorus_binary(), "cluster status --endpoints=" + etcd_->endpoint(), "");
  EXPECT_EQ(chorus.out, etcdctl.out);
}

TEST_F(CliCompareTest, ErrorsGoToStderrWithStatusOne) {
  const auto chorus =
      run(chorus_binary(), "kv get p/a --rev 1000000000 --endpoints=" + etcd_->endpoint(), "");
  EXPECT_EQ(chorus.exit_status, 1);
  EXPECT_EQ(chorus.out, "");
}

}  // namespace
}  // namespace chorus::client
