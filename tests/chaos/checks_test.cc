#include "chaos/checks.h"

#include <gtest/gtest.h>

namespace chorus::chaos {
namespace {

using check::KvOutcome;

AppendOp append(const std::string& key, KvOutcome outcome, uint64_t call = 10) {
  return AppendOp{1, key, "v-" + key, call, call + 5, outcome};
}

StoredKey stored(const std::string& key, int64_t revision, int64_t version = 1) {
  return StoredKey{key, "v-" + key, revision - version + 1, revision, version};
}

TEST(ChaosAppendCheck, AcceptsAcknowledgedAndUnknownWrites) {
  const std::vector<AppendOp> ops = {append("a", KvOutcome::kOk), append("b", KvOutcome::kUnknown),
                                     append("c", KvOutcome::kUnknown)};
  // "c" was unknown and never applied: allowed.
  const auto result = check_appends(ops, {stored("a", 5), stored("b", 6)});
  EXPECT_TRUE(result.passed) << result.explanation;
  EXPECT_EQ(result.checked, 3u);
}

TEST(ChaosAppendCheck, FlagsALostAcknowledgedWrite) {
  const auto result = check_appends({append("a", KvOutcome::kOk, 100), append("b", KvOutcome::kOk)},
                                    {stored("b", 6)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("lost (acknowledged, absent)"), std::string::npos);
  EXPECT_NE(result.explanation.find("\"a\""), std::string::npos);
  EXPECT_EQ(result.window_start_us, 100u);
  EXPECT_EQ(result.window_end_us, 105u);
}

TEST(ChaosAppendCheck, FlagsAWriteAppliedTwice) {
  const auto result = check_appends({append("a", KvOutcome::kOk)}, {stored("a", 9, 2)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("applied 2 times"), std::string::npos);
}

TEST(ChaosAppendCheck, FlagsAFailedWriteThatAppliedAndAnUnknownKey) {
  const auto result =
      check_appends({append("a", KvOutcome::kFailed)}, {stored("a", 4), stored("ghost", 5)});
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("applied although it failed"), std::string::npos);
  EXPECT_NE(result.explanation.find("\"ghost\""), std::string::npos);
}

WatchEvent event(int64_t revision, const std::string& key, uint64_t session = 1) {
  return WatchEvent{session, revision, key, true, static_cast<uint64_t>(revision) * 1000};
}

TEST(ChaosWatchCheck, AcceptsEveryRevisionOnceAcrossReconnects) {
  const std::vector<StoredKey> final_read = {stored("a", 3), stored("b", 5), stored("c", 8)};
  const auto result =
      check_watch({event(3, "a", 1), event(5, "b", 2), event(8, "c", 2)}, final_read, 3);
  EXPECT_TRUE(result.passed) << result.explanation;
}

TEST(ChaosWatchCheck, IgnoresWritesBeforeTheWatchStarted) {
  const auto result = check_watch({event(5, "b")}, {stored("a", 3), stored("b", 5)}, 4);
  EXPECT_TRUE(result.passed) << result.explanation;
}

TEST(ChaosWatchCheck, FlagsAGap) {
  const auto result = check_watch({event(3, "a"), event(8, "c")},
                                  {stored("a", 3), stored("b", 5), stored("c", 8)}, 3);
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("gap: revision 5"), std::string::npos);
  EXPECT_EQ(result.window_start_us, 3000u);
  EXPECT_EQ(result.window_end_us, 8000u);
}

TEST(ChaosWatchCheck, FlagsARepeatAfterAReconnect) {
  const auto result = check_watch({event(3, "a", 1), event(5, "b", 1), event(5, "b", 2)},
                                  {stored("a", 3), stored("b", 5)}, 3);
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("repeated after revision 5"), std::string::npos);
}

TEST(ChaosWatchCheck, FlagsDisorderAndPhantoms) {
  const auto result = check_watch({event(5, "b"), event(3, "a"), event(7, "nobody")},
                                  {stored("a", 3), stored("b", 5)}, 3);
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.explanation.find("out of order after revision 5"), std::string::npos);
  EXPECT_NE(result.explanation.find("not a committed write"), std::string::npos);
}

}  // namespace
}  // namespace chorus::chaos
