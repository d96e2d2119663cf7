#include "cli/huge_pages.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace chorus::cli {

namespace {
constexpr const char* kTunable = "glibc.malloc.hugetlb";

std::string tunables() {
  const char* value = std::getenv("GLIBC_TUNABLES");
  return value != nullptr ? value : "";
}
}  // namespace

void reexec_with_huge_pages(char** argv) {
  const char* opt_in = std::getenv("CHORUS_MALLOC_HUGE_PAGES");
  if (opt_in == nullptr || std::string(opt_in) != "1") return;
  const std::string original = tunables();
  if (original.find(kTunable) != std::string::npos) return;  // set by the operator, or done
  const std::string value = original + (original.empty() ? "" : ":") + kTunable + "=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // exec failed (no /proc?): carry on with the default heap, and the environment as it was, so
  // that the start-up log does not claim huge pages.
  if (original.empty()) {
    unsetenv("GLIBC_TUNABLES");
  } else {
    setenv("GLIBC_TUNABLES", original.c_str(), 1);
  }
}

bool malloc_uses_huge_pages() {
  return tunables().find(std::string(kTunable) + "=1") != std::string::npos;
}

}  // namespace chorus::cli
