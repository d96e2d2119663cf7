#include "base/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

namespace chorus::base {

std::string make_temp_dir(std::string_view prefix) {
  std::error_code error;
  const std::filesystem::path root = std::filesystem::temp_directory_path(error);
  if (error) return "";
  std::string pattern = (root / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

}  // namespace chorus::base
