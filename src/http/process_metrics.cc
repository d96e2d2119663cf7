#include "http/process_metrics.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace chorus::http {

namespace {

void metric(std::string& out, const char* type, const char* name, const char* help, double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

int open_fds() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    --count;  // the directory stream's own descriptor
  }
  return count;
}

double boot_time_seconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime" && (stat >> value)) return value;
    stat.ignore(1 << 16, '\n');
  }
  return 0;
}

}  // namespace

std::string render_process_metrics() {
  // /proc/self/stat: fields after the command name, which is in parentheses and may hold spaces.
  std::ifstream file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const size_t close_paren = stat.rfind(')');
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  if (close_paren != std::string::npos) {
    std::istringstream rest(stat.substr(close_paren + 2));
    for (std::string field; rest >> field;) fields.push_back(field);
  }
  auto field = [&](size_t number) {  // 1-based field number of proc(5)
    return number >= 3 && number - 3 < fields.size() ? std::stod(fields[number - 3]) : 0.0;
  };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  std::string out;
  metric(out, "counter", "process_cpu_seconds_total",
         "Total user and system CPU time spent in seconds.", (field(14) + field(15)) / ticks);
  metric(out, "gauge", "process_resident_memory_bytes", "Resident memory size in bytes.",
         field(24) * page);
  metric(out, "gauge", "process_virtual_memory_bytes", "Virtual memory size in bytes.", field(23));
  metric(out, "gauge", "process_open_fds", "Number of open file descriptors.", open_fds());
  metric(out, "gauge", "process_max_fds", "Maximum number of open file descriptors.",
         static_cast<double>(limit.rlim_cur));
  metric(out, "gauge", "process_start_time_seconds",
         "Start time of the process since unix epoch in seconds.",
         boot_time_seconds() + field(22) / ticks);
  return out;
}

}  // namespace chorus::http
