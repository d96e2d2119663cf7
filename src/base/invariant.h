// Safety assertions that stay on in every build type: a broken invariant stops the process
// rather than let it corrupt replicated or on-disk state (TigerBeetle's rule, ARCHITECTURE.md
// principle 3). One mechanism for every layer, so that the simulator can turn any of them into a
// failed seed instead of a dead test process.
#pragma once

#include <string>

namespace chorus::base {

using FatalHandler = void (*)(const std::string& message);

// The handler may throw; if it returns, the process aborts. Returns the previous handler.
FatalHandler set_fatal_handler(FatalHandler handler);
[[noreturn]] void invariant_failed(const char* file, int line, const std::string& message);

}  // namespace chorus::base

// Checks `condition`; on failure reports `message` (a std::string or C string).
#define CHORUS_INVARIANT(condition, message)                           \
  do {                                                                 \
    if (!(condition)) [[unlikely]] {                                   \
      ::chorus::base::invariant_failed(__FILE__, __LINE__, (message)); \
    }                                                                  \
  } while (0)

// Checks `condition`; on failure reports the condition's text.
#define CHORUS_ASSERT(condition) CHORUS_INVARIANT(condition, #condition)
