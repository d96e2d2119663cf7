#include "base/log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <iostream>

namespace chorus::base {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::debug;
  if (text == "info") return LogLevel::info;
  if (text == "warn") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  return std::nullopt;
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

LogField::LogField(std::string_view key_in, std::string_view text)
    : key(key_in), json(json_string(text)) {}
LogField::LogField(std::string_view key_in, std::int64_t number)
    : key(key_in), json(std::to_string(number)) {}
LogField::LogField(std::string_view key_in, std::uint64_t number)
    : key(key_in), json(std::to_string(number)) {}
LogField::LogField(std::string_view key_in, double number)
    : key(key_in), json(fmt::format("{:.3f}", number)) {}

Logger::Logger(std::string name, LogLevel level, std::ostream* out)
    : name_(std::move(name)), level_(level), out_(out != nullptr ? out : &std::cerr) {}

std::string Logger::format(LogLevel level, std::string_view message,
                           const std::vector<LogField>& fields) const {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds).count();
  // gmtime: fmt 9 formats a system_clock time_point in the local zone, and the line says Z.
  const std::tm utc = fmt::gmtime(std::chrono::system_clock::to_time_t(now));
  std::string line =
      fmt::format(R"({{"level":"{}","ts":"{:%Y-%m-%dT%H:%M:%S}.{:03}Z","name":{},"msg":{})",
                  log_level_name(level), utc, millis, json_string(name_), json_string(message));
  for (const LogField& field : fields)
    line += fmt::format(",{}:{}", json_string(field.key), field.json);
  return line + "}\n";
}

void Logger::log(LogLevel level, std::string_view message,
                 const std::vector<LogField>& fields) const {
  if (!enabled(level)) return;
  const std::string line = format(level, message, fields);
  std::lock_guard lock(mutex_);
  *out_ << line << std::flush;
}

}  // namespace chorus::base
