#include <fmt/format.h>

#include "chaos/checks.h"

namespace chorus::chaos {

namespace {
// Problems listed in an explanation; past it, only their number: the first few show the bug,
// thousands would bury it.
constexpr size_t kMaxListed = 20;
}  // namespace

void fail_with(CheckOutcome& result, const std::string& heading,
               const std::vector<std::string>& problems, uint64_t window_start,
               uint64_t window_end) {
  result.passed = false;
  std::string text = heading;
  for (size_t i = 0; i < problems.size() && i < kMaxListed; ++i) text += "  " + problems[i] + "\n";
  if (problems.size() > kMaxListed)
    text += fmt::format("  ... and {} more\n", problems.size() - kMaxListed);
  result.explanation = text;
  result.window_start_us = window_start == UINT64_MAX ? 0 : window_start;
  result.window_end_us = window_end;
}

}  // namespace chorus::chaos
