#include "storage/assert.h"

#include <cstdio>
#include <cstdlib>

namespace chorus::storage::detail {

void assert_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "storage assertion failed: %s at %s:%d\n", condition, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace chorus::storage::detail
