#include "cli/huge_pages.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace chorus::cli {

namespace {
constexpr const char* kTunable = "glibc.malloc.hugetlb";

// The running binary's path. Executing "/proc/self/exe" itself works too, but names the new
// process "exe" (its comm is the executable's file name), so that `pgrep chorus`, `pidof`, ps
// and top no longer find it.
std::string own_executable() {
  std::error_code error;
  const std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  // A binary replaced or removed since it started reads "... (deleted)": only /proc has it.
  if (error || !std::filesystem::exists(path, error)) return "/proc/self/exe";
  return path.string();
}

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
  execv(own_executable().c_str(), argv);
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
