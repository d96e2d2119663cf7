// CPU time and memory of processes on this machine, from /proc (Linux), for the cost per
// operation of the servers under test and of the bench client itself.
#pragma once

#include <sys/types.h>

#include <optional>

namespace chorus::bench {

struct ProcessSample {
  double cpu_s = 0;        // user + system time since the process started
  double rss_mb = 0;       // VmRSS now
  double peak_rss_mb = 0;  // VmHWM: the most it ever held
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessSample> sample_process(pid_t pid);
// This process (getrusage): user + system seconds.
double self_cpu_seconds();

}  // namespace chorus::bench
