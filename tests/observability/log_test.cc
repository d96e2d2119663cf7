// The JSON-lines logger (base/log.h): one object per line with level, ts, name, msg and the
// fields in order; JSON escaping; the level filter; --log-level parsing.
#include "base/log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace chorus::base {
namespace {

// RFC 3339, UTC, milliseconds: 2026-11-26T13:08:18.123Z
constexpr const char* kTs = R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Log, WritesOneJsonObjectPerLineWithFieldsInOrder) {
  std::ostringstream out;
  Logger logger("n1", LogLevel::info, &out);
  logger.info("became leader", {{"term", 3},
                                {"index", std::uint64_t{18446744073709551615u}},
                                {"delta", std::int64_t{-7}},
                                {"who", "n2"},
                                {"took_ms", 1.23456}});
  const std::string text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const std::vector<std::string> lines = lines_of(text);
  ASSERT_EQ(lines.size(), 1u) << text;
  const std::regex expected(std::string(R"(\{"level":"info","ts":")") + kTs +
                            R"(","name":"n1","msg":"became leader","term":3,)"
                            R"("index":18446744073709551615,"delta":-7,"who":"n2",)"
                            R"("took_ms":1\.235\})");
  EXPECT_TRUE(std::regex_match(lines[0], expected)) << lines[0];
}

TEST(Log, EveryLevelIsNamed) {
  std::ostringstream out;
  Logger logger("m", LogLevel::debug, &out);
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  const std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 4u) << out.str();
  const char* names[] = {"debug", "info", "warn", "error"};
  const char* messages[] = {"d", "i", "w", "e"};
  for (size_t i = 0; i < 4; ++i) {
    const std::regex expected(std::string(R"(\{"level":")") + names[i] + R"(","ts":")" + kTs +
                              R"(","name":"m","msg":")" + messages[i] + R"("\})");
    EXPECT_TRUE(std::regex_match(lines[i], expected)) << lines[i];
  }
}

TEST(Log, TimestampIsUtcWhateverTheLocalZone) {
  // A zone 5 h 30 min east of UTC (POSIX TZ syntax; no tzdata needed): "Z" must still be UTC.
  const char* saved = getenv("TZ");
  const std::optional<std::string> old_tz =
      saved ? std::optional<std::string>(saved) : std::nullopt;
  setenv("TZ", "IST-5:30", 1);
  tzset();
  std::ostringstream out;
  Logger logger("n1", LogLevel::info, &out);
  const std::time_t before = std::time(nullptr);
  logger.info("now");
  const std::time_t after = std::time(nullptr);
  if (old_tz) {
    setenv("TZ", old_tz->c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();

  std::smatch match;
  const std::string line = out.str();
  ASSERT_TRUE(std::regex_search(
      line, match, std::regex(R"("ts":"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z")")))
      << line;
  std::tm tm{};
  tm.tm_year = std::stoi(match[1]) - 1900;
  tm.tm_mon = std::stoi(match[2]) - 1;
  tm.tm_mday = std::stoi(match[3]);
  tm.tm_hour = std::stoi(match[4]);
  tm.tm_min = std::stoi(match[5]);
  tm.tm_sec = std::stoi(match[6]);
  const std::time_t logged = timegm(&tm);
  EXPECT_GE(logged, before - 1) << line << " is not UTC (local time written with a Z?)";
  EXPECT_LE(logged, after + 1) << line << " is not UTC (local time written with a Z?)";
}

TEST(Log, StringsAreJsonEscaped) {
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(json_string(R"(C:\dir)"), R"("C:\\dir")");
  EXPECT_EQ(json_string("a\nb"), R"("a\nb")");
  EXPECT_EQ(json_string("a\tb"), R"("a\tb")");
  EXPECT_EQ(json_string(std::string("\x01\x1f\r", 3)), R"("\u0001\u001f\u000d")");
  EXPECT_EQ(json_string(std::string("nul\0here", 8)), R"("nul\u0000here")");
  // UTF-8 passes through untouched.
  EXPECT_EQ(json_string("h\xc3\xa9"), "\"h\xc3\xa9\"");

  std::ostringstream out;
  Logger logger("na\"me", LogLevel::info, &out);
  logger.info("line1\nline2", {{"path", R"(a\b)"}, {"ctl", "\x02"}, {"k\"ey", "v"}});
  const std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 1u) << "an escaped newline must not split the line: " << out.str();
  EXPECT_NE(
      lines[0].find(
          R"("name":"na\"me","msg":"line1\nline2","path":"a\\b","ctl":"\u0002","k\"ey":"v"})"),
      std::string::npos)
      << lines[0];
}

TEST(Log, LinesBelowTheLevelAreDropped) {
  std::ostringstream out;
  Logger logger("n1", LogLevel::warn, &out);
  EXPECT_FALSE(logger.enabled(LogLevel::debug));
  EXPECT_FALSE(logger.enabled(LogLevel::info));
  EXPECT_TRUE(logger.enabled(LogLevel::warn));
  EXPECT_TRUE(logger.enabled(LogLevel::error));
  logger.debug("dropped debug");
  logger.info("dropped info");
  EXPECT_EQ(out.str(), "");
  logger.warn("kept warn");
  logger.error("kept error");
  const std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u) << out.str();
  EXPECT_NE(lines[0].find(R"("level":"warn")"), std::string::npos);
  EXPECT_NE(lines[1].find(R"("level":"error")"), std::string::npos);
  EXPECT_EQ(out.str().find("dropped"), std::string::npos);
}

TEST(Log, ConcurrentLinesAreWrittenWhole) {
  std::ostringstream out;
  Logger logger("n1", LogLevel::info, &out);
  constexpr int kThreads = 4;
  constexpr int kLines = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < kLines; ++i) logger.info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  const std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  const std::regex whole(std::string(R"(\{"level":"info","ts":")") + kTs +
                         R"(","name":"n1","msg":"tick","thread":\d,"i":\d+\})");
  for (const std::string& line : lines) {
    ASSERT_TRUE(std::regex_match(line, whole)) << line;
  }
}

TEST(Log, ParseLogLevelAcceptsExactlyEtcdsLevels) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::info);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::warn);
  EXPECT_EQ(parse_log_level("error"), LogLevel::error);
  for (const char* bad :
       {"", "DEBUG", "Info", "warning", "fatal", "panic", "trace", "info ", " info", "err"}) {
    EXPECT_EQ(parse_log_level(bad), std::nullopt) << '"' << bad << '"';
  }
  for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    EXPECT_EQ(parse_log_level(log_level_name(level)), level);
  }
}

}  // namespace
}  // namespace chorus::base
