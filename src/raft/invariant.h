// Safety assertions that stay on in release builds: a broken invariant stops the process rather
// than let it corrupt replicated state (TigerBeetle's rule). The simulator installs a handler
// that turns the failure into a failed seed instead of a dead test process.
#pragma once

#include <string>

namespace chorus::raft {

using FatalHandler = void (*)(const std::string& message);

// The handler may throw; if it returns, the process aborts. Returns the previous handler.
FatalHandler set_fatal_handler(FatalHandler handler);
[[noreturn]] void invariant_failed(const char* file, int line, const std::string& message);

}  // namespace chorus::raft

#define CHORUS_INVARIANT(condition, message)                                           \
  do {                                                                                 \
    if (!(condition)) ::chorus::raft::invariant_failed(__FILE__, __LINE__, (message)); \
  } while (0)
