// Safety assertions for the MVCC store. They stay on in every build type: a replica whose state
// machine broke an invariant must stop rather than serve or replicate corrupt state (STYLE.md,
// TigerBeetle's rule). A test or the simulator may install a handler that throws instead.
#pragma once

#include <string>

namespace chorus::kv {

using FatalHandler = void (*)(const std::string& message);

// The handler may throw; if it returns, the process aborts. Returns the previous handler.
FatalHandler set_fatal_handler(FatalHandler handler);
[[noreturn]] void invariant_failed(const char* file, int line, const char* condition);

}  // namespace chorus::kv

#define CHORUS_KV_ASSERT(condition)                                                   \
  do {                                                                                \
    if (!(condition)) ::chorus::kv::invariant_failed(__FILE__, __LINE__, #condition); \
  } while (0)
