// The outcome of one `chorus bench` run and its three renderings: a human report, the one-line
// `key=value` summary that scripts grep (always the last line printed), and JSON (--json).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/histogram.h"
#include "bench/options.h"

namespace chorus::bench {

struct ServerUsage {
  int pid = 0;
  double cpu_s = 0;   // user + system seconds spent during the measured phase
  double rss_mb = 0;  // VmRSS at the end of the run
  double peak_rss_mb = 0;
};

// A request sent with a traceparent (--trace-every): what the client saw of it, to join with the
// spans the member logged under the same trace id.
struct TracedRequest {
  std::string trace_id;     // 32 lowercase hex digits
  const char* method = "";  // "Put", "Range" or "Txn", as in the member's trace line
  double latency_ms = 0;    // sent to answered, as the bench measured it
  int code = 0;             // gRPC status code
};

struct BenchResult {
  BenchOptions options;
  std::uint64_t ops = 0;              // requests answered OK (watch: events delivered to watchers)
  std::uint64_t errors = 0;           // requests that failed (gRPC status not OK)
  std::uint64_t misses = 0;           // range: key not found; txn: compare failed (lost the race)
  double elapsed_s = 0;               // measured phase, wall clock
  Histogram latency;                  // per request (watch: put-to-delivery lag per event)
  std::string first_error;            // one failure's message, for the report
  double client_cpu_s = 0;            // this process, measured phase only
  std::vector<ServerUsage> servers;   // one per --server-pids entry that could be read
  std::uint64_t loaded_keys = 0;      // keys written before the measured phase (range, mixed)
  std::vector<TracedRequest> traces;  // --trace-every

  double ops_per_second() const { return elapsed_s > 0 ? ops / elapsed_s : 0; }
  double server_cpu_s() const;
  double server_rss_mb_max() const;
};

std::string summary_line(const BenchResult& result);
std::string json_report(const BenchResult& result);
std::string human_report(const BenchResult& result);
// One line per traced request: "<trace id> <method> <latency ms> <gRPC code>".
std::string traces_text(const BenchResult& result);

}  // namespace chorus::bench
