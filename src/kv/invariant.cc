#include "kv/invariant.h"

#include <cstdio>
#include <cstdlib>

namespace chorus::kv {

namespace {
FatalHandler g_handler = nullptr;
}

FatalHandler set_fatal_handler(FatalHandler handler) {
  FatalHandler previous = g_handler;
  g_handler = handler;
  return previous;
}

void invariant_failed(const char* file, int line, const char* condition) {
  const std::string full = std::string(file) + ":" + std::to_string(line) + ": " + condition;
  if (g_handler != nullptr) g_handler(full);
  std::fprintf(stderr, "chorus kv: invariant violated: %s\n", full.c_str());
  std::abort();
}

}  // namespace chorus::kv
