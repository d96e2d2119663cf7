// The Prometheus client's standard process_* metrics (as every Go program, etcd included,
// exports them), read from /proc/self when rendered.
#pragma once

#include <string>

namespace chorus::http {

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds.
std::string render_process_metrics();

}  // namespace chorus::http
