// A new, private directory under the system's temporary directory ($TMPDIR, else /tmp), for
// harnesses that keep member data there (chorus demo, chorus chaos, the tests). Honouring
// TMPDIR lets a CI run put every such directory in one place and check that none is left
// behind: a member's WAL preallocates 64 MiB, so each leaked directory costs about 200 MiB.
#pragma once

#include <string>
#include <string_view>

namespace chorus::base {

// Creates <tmp>/<prefix>XXXXXX with mode 0700 and returns its path; "" when it cannot.
std::string make_temp_dir(std::string_view prefix);

// A make_temp_dir directory that is removed, with its contents, when this goes: the tests'
// scratch directories. path() is "" when the directory could not be made.
class ScopedTempDir {
 public:
  explicit ScopedTempDir(std::string_view prefix) : path_(make_temp_dir(prefix)) {}
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace chorus::base
