// Structured logs: one JSON object per line (as etcd's zap logger writes them), with a level,
// an RFC 3339 UTC timestamp, the member's name, the message, and fields that matter to the line
// (term and index for Raft events, durations for slow operations, trace ids for spans):
//
//   {"level":"info","ts":"2026-11-26T13:08:18.123Z","name":"n1","msg":"became leader","term":3}
//
// Thread-safe; a line is written whole.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chorus::base {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

// "debug", "info", "warn", "error" (etcd's --log-level values); nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text);
const char* log_level_name(LogLevel level);

// One field of a line: a number, or a string (escaped as JSON).
struct LogField {
  LogField(std::string_view key_in, std::string_view text);
  LogField(std::string_view key_in, const char* text) : LogField(key_in, std::string_view(text)) {}
  LogField(std::string_view key_in, const std::string& text)
      : LogField(key_in, std::string_view(text)) {}
  LogField(std::string_view key_in, std::int64_t number);
  LogField(std::string_view key_in, std::uint64_t number);
  LogField(std::string_view key_in, int number) : LogField(key_in, std::int64_t{number}) {}
  LogField(std::string_view key_in, double number);
  std::string key;
  std::string json;  // the value, already JSON-encoded
};

class Logger {
 public:
  // Writes to `out` (stderr when null) lines at `level` and above.
  Logger(std::string name, LogLevel level, std::ostream* out = nullptr);

  bool enabled(LogLevel level) const { return level >= level_; }
  void log(LogLevel level, std::string_view message,
           const std::vector<LogField>& fields = {}) const;
  void debug(std::string_view m, const std::vector<LogField>& f = {}) const {
    log(LogLevel::debug, m, f);
  }
  void info(std::string_view m, const std::vector<LogField>& f = {}) const {
    log(LogLevel::info, m, f);
  }
  void warn(std::string_view m, const std::vector<LogField>& f = {}) const {
    log(LogLevel::warn, m, f);
  }
  void error(std::string_view m, const std::vector<LogField>& f = {}) const {
    log(LogLevel::error, m, f);
  }

  // The line as it would be written (tests).
  std::string format(LogLevel level, std::string_view message,
                     const std::vector<LogField>& fields) const;

 private:
  std::string name_;
  LogLevel level_;
  std::ostream* out_;
  mutable std::mutex mutex_;
};

// JSON string escaping (quotes included).
std::string json_string(std::string_view text);

}  // namespace chorus::base
