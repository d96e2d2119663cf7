// Assertions that stay on in release builds (TigerBeetle style, ARCHITECTURE.md principle 3):
// a broken invariant in the storage layer means the disk image may be about to be corrupted, so
// the process stops instead of writing on.
#pragma once

namespace chorus::storage::detail {
[[noreturn]] void assert_failed(const char* condition, const char* file, int line);
}  // namespace chorus::storage::detail

#define STORAGE_ASSERT(condition)                                               \
  do {                                                                          \
    if (!(condition)) [[unlikely]] {                                            \
      ::chorus::storage::detail::assert_failed(#condition, __FILE__, __LINE__); \
    }                                                                           \
  } while (false)
