#include "api/trace.h"

#include <algorithm>
#include <utility>

namespace chorus::api {

namespace {
thread_local CallTrace* current = nullptr;

bool lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool all_zero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}
}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view text) {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (text.size() != 55 || text[2] != '-' || text[35] != '-' || text[52] != '-')
    return std::nullopt;
  const std::string_view version = text.substr(0, 2), trace = text.substr(3, 32),
                         parent = text.substr(36, 16), flags = text.substr(53, 2);
  if (version != "00" || !lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) {
    return std::nullopt;
  }
  if (all_zero(trace) || all_zero(parent)) return std::nullopt;
  return TraceParent{std::string(trace), std::string(parent)};
}

CallTrace* current_trace() {
  return current;
}
void set_current_trace(CallTrace* trace) {
  current = trace;
}
CallTrace* take_current_trace() {
  return std::exchange(current, nullptr);
}

}  // namespace chorus::api
