// Assertions for the checkers. They stay on in every build type: a checker that runs on with a
// broken invariant could report a pass that is not one.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace chorus::check::detail {

[[noreturn]] inline void invariant_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, condition);
  std::abort();
}

}  // namespace chorus::check::detail

#define CHORUS_CHECK_INVARIANT(condition)                                        \
  do {                                                                           \
    if (!(condition)) {                                                          \
      ::chorus::check::detail::invariant_failed(#condition, __FILE__, __LINE__); \
    }                                                                            \
  } while (false)
