// The closed loop behind put, range, txn and mixed, on gRPC's asynchronous API.
//
// Each of --clients requesters keeps exactly one step in flight (txn: a read, then a
// compare-and-swap), as etcd's benchmark clients do; they share the --conns channels
// round-robin. Requesters are state machines driven by a few completion-queue threads, not a
// thread each: with 256 blocking threads the client itself cost about 100 us of CPU per request
// on 2 cores, as much as the server it measured, and ratios on a small machine said more about
// the client than about the servers. Failed requests are counted, not retried.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <vector>

#include "bench/options.h"
#include "bench/report.h"

namespace chorus::bench {

using Channels = std::vector<std::shared_ptr<grpc::Channel>>;

// --conns channels, each its own TCP connection. Channel i goes to endpoint i mod n, so the
// connections spread over the endpoints as etcd's benchmark spreads them.
Channels open_channels(const BenchOptions& options);
// True when every channel got an answer (Maintenance.Status) within `limit`: a server that is
// still starting refuses, and is asked again.
bool wait_serving(const Channels& channels, std::chrono::seconds limit);

struct LoopLimits {
  std::int64_t total = 0;
  double duration_s = 0;
  double rate = 0;  // 0: unpaced
  const char* label = "";
  bool progress = true;
};

// Runs `workload` (not watch) until limits.total steps are taken or limits.duration_s has passed,
// and fills ops, errors, misses, elapsed_s, latency and first_error of `result`. In the load
// phase, step i puts key i (every key of the key space once); otherwise keys are uniform random.
void run_request_loop(const BenchOptions& options, const Channels& channels,
                      const LoopLimits& limits, Workload workload, bool load_phase,
                      BenchResult& result);

}  // namespace chorus::bench
