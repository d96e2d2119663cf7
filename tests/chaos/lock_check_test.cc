#include <gtest/gtest.h>

#include "chaos/checks.h"

namespace chorus::chaos {
namespace {

// A fenced write by `client` holding token `token`, called at `call` (returns 5 us later).
LockWrite write(uint64_t client, int64_t token, const std::string& key, uint64_t call,
                LockWriteOutcome outcome = LockWriteOutcome::kWritten) {
  return LockWrite{client, token, key, call, call + 5, outcome};
}

// What the final read holds for a write of `token`, last written at `revision`.
StoredKey logged(const std::string& key, int64_t token, int64_t revision, int64_t version = 1) {
  return StoredKey{key, std::to_string(token), revision - version + 1, revision, version};
}

// Two holders one after the other: client 0 with token 7, then client 1 with token 9, plus a
// refused write (the holder had lost the lock) and an unknown one that did not apply.
TEST(ChaosLockCheck, AcceptsHoldersOneAfterAnother) {
  const std::vector<LockWrite> writes = {write(0, 7, "l/a", 100),
                                         write(0, 7, "l/b", 110),
                                         write(0, 7, "l/c", 120, LockWriteOutcome::kRefused),
                                         write(1, 9, "l/d", 200),
                                         write(1, 9, "l/e", 210, LockWriteOutcome::kUnknown),
                                         write(1, 9, "l/f", 220)};
  const auto result = check_locks(writes, {logged("l/a", 7, 8), logged("l/b", 7, 9),
                                           logged("l/d", 9, 11), logged("l/f", 9, 12)});
  EXPECT_TRUE(result.passed) << result.explanation;
  EXPECT_EQ(result.checked, 6u);
}

TEST(ChaosLockCheck, AcceptsAnUnknownWriteThatApplied) {
  const auto result =
      check_locks({write(0, 7, "l/a", 100, LockWriteOutcome::kUnknown)}, {logged("l/a", 7, 8)});
  EXPECT_TRUE(result.passed) << result.explanation;
}

TEST(ChaosLockCheck, FlagsInterleavedTokens) {
  // The holder of token 7 wrote at revision 12, after the holder of token 9 wrote at revision
  // 11: both held the lock at once.
  const std::vector<LockWrite> writes = {write(0, 7, "l/a", 100), write(1, 9, "l/b", 200),
                                         write(0, 7, "l/c", 300)};
  const auto result =
      check_locks(writes, {logged("l/a", 7, 8), logged("l/b", 9, 11), logged("l/c", 7, 12)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find(
                "holders overlapped: token 7 wrote at revision 12 after token 9 wrote at "
                "revision 11"),
            std::string::npos)
      << result.explanation;
  EXPECT_NE(result.explanation.find("client 1 token 9 put(\"l/b\") -> written [call 200, "
                                    "return 205]"),
            std::string::npos)
      << result.explanation;
  EXPECT_NE(result.explanation.find("client 0 token 7 put(\"l/c\")"), std::string::npos);
  // The window spans both offending writes, not the innocent first one.
  EXPECT_EQ(result.window_start_us, 200u);
  EXPECT_EQ(result.window_end_us, 305u);
}

TEST(ChaosLockCheck, OrdersByModRevisionNotByCallTime) {
  // Called late but applied early: the order that counts is the cluster's.
  const std::vector<LockWrite> writes = {write(1, 9, "l/b", 50), write(0, 7, "l/a", 400)};
  EXPECT_TRUE(check_locks(writes, {logged("l/a", 7, 8), logged("l/b", 9, 11)}).passed);
  EXPECT_FALSE(check_locks(writes, {logged("l/a", 7, 12), logged("l/b", 9, 11)}).passed);
}

TEST(ChaosLockCheck, FlagsALostAcknowledgedWrite) {
  const auto result =
      check_locks({write(0, 7, "l/a", 100), write(0, 7, "l/b", 110)}, {logged("l/a", 7, 8)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("lost (acknowledged, absent): client 0 token 7 put(\"l/b\")"),
            std::string::npos)
      << result.explanation;
  EXPECT_EQ(result.window_start_us, 110u);
  EXPECT_EQ(result.window_end_us, 115u);
}

TEST(ChaosLockCheck, FlagsAPresentRefusedWrite) {
  const auto result =
      check_locks({write(0, 7, "l/a", 100, LockWriteOutcome::kRefused)}, {logged("l/a", 7, 8)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("applied although refused (mod revision 8)"), std::string::npos)
      << result.explanation;
}

TEST(ChaosLockCheck, FlagsAWriteAppliedTwice) {
  const auto result = check_locks({write(0, 7, "l/a", 100)}, {logged("l/a", 7, 9, 2)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("applied 2 times (version 2, mod revision 9)"),
            std::string::npos)
      << result.explanation;
}

TEST(ChaosLockCheck, FlagsAWrongTokenAndAKeyNeverWritten) {
  const auto result =
      check_locks({write(0, 7, "l/a", 100)}, {logged("l/a", 8, 9), logged("l/ghost", 7, 10)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("holds \"8\" instead of its token"), std::string::npos)
      << result.explanation;
  EXPECT_NE(result.explanation.find("key \"l/ghost\" = \"7\" (revision 10) was never written"),
            std::string::npos)
      << result.explanation;
}

}  // namespace
}  // namespace chorus::chaos
