// What `chorus bench` runs: etcd's benchmark tool flags (tools/benchmark) plus the workload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chorus::bench {

enum class Workload { put, range, txn, watch, mixed };

struct BenchOptions {
  Workload workload = Workload::put;
  std::vector<std::string> endpoints{"127.0.0.1:2379"};
  int clients = 1;  // concurrent requesters (watch: watchers)
  int conns = 1;    // gRPC channels (TCP connections), shared round-robin by the clients
  int key_size = 8;
  int val_size = 8;
  int key_space_size = 1;        // put/txn/range/mixed pick keys uniformly from this many
  double rate = 0;               // requests per second over all clients; 0 = as fast as possible
  std::int64_t total = 10000;    // requests (watch: events put by the writers)
  double duration_s = 60;        // hard bound on the measured phase, whatever --total says
  bool linearizable = true;      // --consistency l (true) or s
  double read_ratio = 0.9;       // mixed: fraction of requests that are ranges
  int watch_writers = 4;         // watch: threads putting the events
  std::vector<int> server_pids;  // CPU and RSS read from /proc/PID (same machine only)
  double request_timeout_s = 10;
  std::string key_prefix;  // prepended to every key (watch uses it as the watched prefix)
  bool load = true;        // range, txn, mixed: write the key space before measuring
  bool json = false;
  bool progress = true;
  // put, range, txn, mixed: every trace_every-th request of the measured phase carries a W3C
  // traceparent, so members at --log-level debug log its server-side spans (docs/operations.md);
  // 0: none. The bench keeps each traced request's client-side latency (BenchResult::traces).
  std::int64_t trace_every = 0;
};

const char* workload_name(Workload workload);

}  // namespace chorus::bench
