// chorus bench: an etcd v3 load generator (it measures etcd and Chorus alike).
// run_bench() connects, loads keys when the workload reads them, samples the --server-pids,
// runs the measured phase and samples them again.
#pragma once

#include "bench/options.h"
#include "bench/report.h"
#include "bench/runner.h"

namespace chorus::bench {

BenchResult run_bench(const BenchOptions& options);

// The watch workload (watch.cc): --clients watchers on one prefix over --conns streams, and
// --watch-writers threads putting --total events under it; ops are events delivered.
void run_watch(const BenchOptions& options, const Clients& clients, BenchResult& result);

}  // namespace chorus::bench
