#include "base/process_pause.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace chorus::base {

bool all_threads_stopped(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // "TID (comm) S ...": the state follows the last ')', since comm may hold spaces.
    const size_t paren = line.rfind(')');
    if (paren == std::string::npos || paren + 2 >= line.size()) return false;
    if (line[paren + 2] != 'T') return false;
    any = true;
  }
  return any && !error;
}

bool pause_process(pid_t pid, std::chrono::milliseconds patience) {
  if (::kill(pid, SIGSTOP) != 0) return false;
  const auto until = std::chrono::steady_clock::now() + patience;
  while (!all_threads_stopped(pid)) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace chorus::base
