#include "bench/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace chorus::bench {

namespace {

double kibibytes_field(const std::string& status, const std::string& name) {
  const std::size_t at = status.find(name + ":");
  if (at == std::string::npos) return 0;
  std::istringstream in(status.substr(at + name.size() + 1));
  double kib = 0;
  in >> kib;
  return kib / 1024.0;
}

}  // namespace

std::optional<ProcessSample> sample_process(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat_file(dir + "/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const std::size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(name_end + 2));
  std::string field;
  double utime_ticks = 0;
  double stime_ticks = 0;
  // Fields 3.. follow; utime and stime are fields 14 and 15 (proc(5)).
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number == 14) utime_ticks = std::stod(field);
    if (number == 15) stime_ticks = std::stod(field);
  }
  std::ifstream status_file(dir + "/status");
  std::string status((std::istreambuf_iterator<char>(status_file)),
                     std::istreambuf_iterator<char>());
  if (status.empty()) return std::nullopt;
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessSample sample;
  sample.cpu_s = (utime_ticks + stime_ticks) / ticks_per_second;
  sample.rss_mb = kibibytes_field(status, "VmRSS");
  sample.peak_rss_mb = kibibytes_field(status, "VmHWM");
  return sample;
}

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace chorus::bench
