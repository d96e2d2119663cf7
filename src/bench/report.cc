#include "bench/report.h"

#include <fmt/format.h>

#include <algorithm>

namespace chorus::bench {

namespace {

double ms(const Histogram& histogram, double q) {
  return histogram.percentile_micros(q) / 1000.0;
}

// Server CPU per operation in microseconds: all listed servers together, as the issue's bar
// ("three nodes together") counts it. 0 when no server was sampled or nothing completed.
double server_cpu_us_per_op(const BenchResult& result) {
  if (result.ops == 0 || result.servers.empty()) return 0;
  return result.server_cpu_s() * 1e6 / static_cast<double>(result.ops);
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

const char* workload_name(Workload workload) {
  switch (workload) {
    case Workload::put:
      return "put";
    case Workload::range:
      return "range";
    case Workload::txn:
      return "txn";
    case Workload::watch:
      return "watch";
    case Workload::mixed:
      return "mixed";
  }
  return "?";
}

double BenchResult::server_cpu_s() const {
  double total = 0;
  for (const ServerUsage& server : servers) total += server.cpu_s;
  return total;
}

double BenchResult::server_rss_mb_max() const {
  double most = 0;
  for (const ServerUsage& server : servers) most = std::max(most, server.rss_mb);
  return most;
}

std::string summary_line(const BenchResult& r) {
  const BenchOptions& o = r.options;
  return fmt::format(
      "workload={} consistency={} clients={} conns={} ops={} ops/s={:.1f} errors={} misses={} "
      "elapsed_s={:.2f} p50_ms={:.3f} p90_ms={:.3f} p99_ms={:.3f} p99.9_ms={:.3f} max_ms={:.3f} "
      "server_cpu_s={:.2f} server_cpu_us/op={:.1f} server_rss_mb_max={:.1f} client_cpu_s={:.2f}",
      workload_name(o.workload), o.linearizable ? "l" : "s", o.clients, o.conns, r.ops,
      r.ops_per_second(), r.errors, r.misses, r.elapsed_s, ms(r.latency, 0.5), ms(r.latency, 0.9),
      ms(r.latency, 0.99), ms(r.latency, 0.999), r.latency.max_micros() / 1000.0, r.server_cpu_s(),
      server_cpu_us_per_op(r), r.server_rss_mb_max(), r.client_cpu_s);
}

std::string json_report(const BenchResult& r) {
  const BenchOptions& o = r.options;
  std::string servers;
  for (const ServerUsage& s : r.servers) {
    if (!servers.empty()) servers += ", ";
    servers +=
        fmt::format(R"({{"pid": {}, "cpu_s": {:.3f}, "rss_mb": {:.1f}, "peak_rss_mb": {:.1f}}})",
                    s.pid, s.cpu_s, s.rss_mb, s.peak_rss_mb);
  }
  return fmt::format(
      "{{\"workload\": \"{}\", \"consistency\": \"{}\", \"clients\": {}, \"conns\": {}, "
      "\"key_size\": {}, \"val_size\": {}, \"key_space_size\": {}, \"total\": {}, "
      "\"rate\": {}, \"loaded_keys\": {}, \"ops\": {}, \"ops_per_s\": {:.2f}, \"errors\": {}, "
      "\"misses\": {}, \"first_error\": {}, \"elapsed_s\": {:.3f}, \"latency_ms\": {{\"p50\": "
      "{:.4f}, \"p90\": {:.4f}, \"p99\": {:.4f}, \"p99.9\": {:.4f}, \"mean\": {:.4f}, \"max\": "
      "{:.4f}}}, \"client_cpu_s\": {:.3f}, \"server_cpu_s\": {:.3f}, \"server_cpu_us_per_op\": "
      "{:.2f}, \"server_rss_mb_max\": {:.1f}, \"servers\": [{}]}}",
      workload_name(o.workload), o.linearizable ? "l" : "s", o.clients, o.conns, o.key_size,
      o.val_size, o.key_space_size, o.total, o.rate, r.loaded_keys, r.ops, r.ops_per_second(),
      r.errors, r.misses, json_string(r.first_error), r.elapsed_s, ms(r.latency, 0.5),
      ms(r.latency, 0.9), ms(r.latency, 0.99), ms(r.latency, 0.999),
      r.latency.mean_micros() / 1000.0, r.latency.max_micros() / 1000.0, r.client_cpu_s,
      r.server_cpu_s(), server_cpu_us_per_op(r), r.server_rss_mb_max(), servers);
}

std::string human_report(const BenchResult& r) {
  const BenchOptions& o = r.options;
  const bool watch = o.workload == Workload::watch;
  std::string out = fmt::format("{} ({}{} clients, {} conns, key {} B, value {} B, key space {})\n",
                                workload_name(o.workload),
                                o.workload == Workload::put || watch
                                    ? ""
                                    : (o.linearizable ? "linearizable, " : "serializable, "),
                                o.clients, o.conns, o.key_size, o.val_size, o.key_space_size);
  if (r.loaded_keys > 0) out += fmt::format("  loaded {} keys before measuring\n", r.loaded_keys);
  out +=
      fmt::format("  {}: {} in {:.2f} s = {:.1f}/s; errors {}; {} {}\n",
                  watch ? "events delivered" : "requests", r.ops, r.elapsed_s, r.ops_per_second(),
                  r.errors, o.workload == Workload::txn ? "compare failures" : "misses", r.misses);
  if (!r.first_error.empty()) out += fmt::format("  first error: {}\n", r.first_error);
  out += fmt::format(
      "  {} ms: p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  mean {:.3f}  max {:.3f}\n",
      watch ? "lag" : "latency", ms(r.latency, 0.5), ms(r.latency, 0.9), ms(r.latency, 0.99),
      ms(r.latency, 0.999), r.latency.mean_micros() / 1000.0, r.latency.max_micros() / 1000.0);
  for (const ServerUsage& s : r.servers) {
    out += fmt::format("  server pid {}: cpu {:.2f} s, rss {:.1f} MiB (peak {:.1f})\n", s.pid,
                       s.cpu_s, s.rss_mb, s.peak_rss_mb);
  }
  if (!r.servers.empty()) {
    out += fmt::format("  servers together: {:.1f} us cpu per {}\n", server_cpu_us_per_op(r),
                       watch ? "event" : "request");
  }
  out += fmt::format(
      "  bench client cpu: {:.2f} s (it shares this machine's cores with the servers)\n",
      r.client_cpu_s);
  return out;
}

std::string traces_text(const BenchResult& r) {
  std::string out;
  for (const TracedRequest& t : r.traces) {
    out += fmt::format("{} {} {:.3f} {}\n", t.trace_id, t.method, t.latency_ms, t.code);
  }
  return out;
}

}  // namespace chorus::bench
