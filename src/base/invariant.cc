#include "base/invariant.h"

#include <cstdio>
#include <cstdlib>

namespace chorus::base {

namespace {
FatalHandler g_handler = nullptr;
}

FatalHandler set_fatal_handler(FatalHandler handler) {
  FatalHandler previous = g_handler;
  g_handler = handler;
  return previous;
}

void invariant_failed(const char* file, int line, const std::string& message) {
  const std::string full = std::string(file) + ":" + std::to_string(line) + ": " + message;
  if (g_handler != nullptr) g_handler(full);
  std::fprintf(stderr, "chorus: invariant failed: %s\n", full.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace chorus::base
