// run_bench: connect, load the key space when the workload reads it, and measure one workload
// while sampling the servers' CPU and memory around it.
#include <algorithm>

#include "bench/bench.h"
#include "bench/process_stats.h"
#include "bench/request_loop.h"
#include "bench/runner.h"

namespace chorus::bench {

namespace {

// Reads need keys to find: write the whole key space once before measuring.
void load_keys(const BenchOptions& options, const Channels& channels, BenchResult& result) {
  BenchResult load;
  LoopLimits limits{options.key_space_size, std::max(options.duration_s, 120.0), 0, "load",
                    options.progress};
  run_request_loop(options, channels, limits, Workload::put, /*load_phase=*/true, load);
  result.loaded_keys = load.ops;
  result.errors += load.errors;
  if (!load.first_error.empty()) result.first_error = "load: " + load.first_error;
}

std::vector<std::optional<ProcessSample>> sample_servers(const BenchOptions& options) {
  std::vector<std::optional<ProcessSample>> samples;
  for (int pid : options.server_pids) samples.push_back(sample_process(pid));
  return samples;
}

}  // namespace

BenchResult run_bench(const BenchOptions& options) {
  BenchResult result;
  result.options = options;
  const Workload w = options.workload;
  // The watch workload streams through the fault-tolerant library; the others drive raw
  // channels asynchronously (request_loop.h).
  Clients clients;
  Channels channels;
  bool connected = false;
  if (w == Workload::watch) {
    clients = open_clients(options);
    connected = wait_connected(clients, std::chrono::seconds(10));
  } else {
    channels = open_channels(options);
    connected = wait_serving(channels, std::chrono::seconds(10));
  }
  if (!connected) {
    result.errors = 1;
    result.first_error = "could not connect to every endpoint within 10 s";
    return result;
  }
  if (options.load && (w == Workload::range || w == Workload::txn || w == Workload::mixed)) {
    load_keys(options, channels, result);
  }
  const auto before = sample_servers(options);
  const double client_cpu_before = self_cpu_seconds();
  if (w == Workload::watch) {
    run_watch(options, clients, result);
  } else {
    LoopLimits limits{options.total, options.duration_s, options.rate, workload_name(w),
                      options.progress};
    run_request_loop(options, channels, limits, w, /*load_phase=*/false, result);
  }
  result.client_cpu_s = self_cpu_seconds() - client_cpu_before;
  const auto after = sample_servers(options);
  for (std::size_t i = 0; i < options.server_pids.size(); ++i) {
    if (!before[i] || !after[i]) continue;
    result.servers.push_back({options.server_pids[i], after[i]->cpu_s - before[i]->cpu_s,
                              after[i]->rss_mb, after[i]->peak_rss_mb});
  }
  return result;
}

}  // namespace chorus::bench
