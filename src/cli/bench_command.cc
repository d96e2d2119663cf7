// chorus bench: load generator for the etcd v3 API (src/bench/); its flags follow etcd's
// benchmark tool (tools/benchmark), so the same command line measures etcd and Chorus.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "bench/bench.h"
#include "cli/commands.h"

namespace chorus::cli {

namespace {

struct BenchFlags {
  bench::BenchOptions options;
  std::string endpoints = "127.0.0.1:2379";
  std::string server_pids;
  std::string workload = "put";
  std::string consistency = "l";
  std::string trace_file;
  bool quiet = false;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

// Endpoints as etcd's tools take them: host:port or a URL; gRPC wants host:port.
std::string grpc_target(std::string endpoint) {
  for (const char* scheme : {"http://", "https://"}) {
    if (endpoint.rfind(scheme, 0) == 0) endpoint = endpoint.substr(std::string(scheme).size());
  }
  return endpoint;
}

int run(BenchFlags& flags) {
  bench::BenchOptions& o = flags.options;
  o.endpoints.clear();
  for (const std::string& endpoint : split_commas(flags.endpoints)) {
    o.endpoints.push_back(grpc_target(endpoint));
  }
  for (const std::string& pid : split_commas(flags.server_pids))
    o.server_pids.push_back(std::stoi(pid));
  static const std::map<std::string, bench::Workload> workloads{{"put", bench::Workload::put},
                                                                {"range", bench::Workload::range},
                                                                {"txn", bench::Workload::txn},
                                                                {"watch", bench::Workload::watch},
                                                                {"mixed", bench::Workload::mixed}};
  o.workload = workloads.at(flags.workload);
  o.linearizable = flags.consistency == "l";
  o.progress = !flags.quiet;
  if (o.endpoints.empty()) {
    std::cerr << "bench: --endpoints is empty\n";
    return 2;
  }
  if (!flags.trace_file.empty() && o.trace_every == 0) o.trace_every = 100;
  const bench::BenchResult result = bench::run_bench(o);
  if (!flags.trace_file.empty()) {
    std::ofstream out(flags.trace_file);
    out << bench::traces_text(result);
    if (!out.flush()) {
      std::cerr << "bench: cannot write --trace-file " << flags.trace_file << "\n";
      return 1;
    }
  }
  if (o.json) {
    std::cout << bench::json_report(result) << "\n";
  } else {
    std::cout << bench::human_report(result) << bench::summary_line(result) << "\n";
  }
  // Exit 1 when nothing at all succeeded: a script must not record an empty run as a result.
  return result.ops == 0 ? 1 : 0;
}

}  // namespace

void add_bench_command(CLI::App& app, Job& job) {
  auto flags = std::make_shared<BenchFlags>();
  bench::BenchOptions& o = flags->options;
  CLI::App* command =
      app.add_subcommand("bench", "Load-test an etcd v3 endpoint (etcd or Chorus) and report");
  command->add_option("--endpoints", flags->endpoints, "gRPC endpoints, comma separated");
  command->add_option("--workload", flags->workload, "put, range, txn, watch or mixed")
      ->check(CLI::IsMember({"put", "range", "txn", "watch", "mixed"}));
  command->add_option("--clients", o.clients, "concurrent clients (watch: watchers)")
      ->check(CLI::Range(1, 4096));
  command->add_option("--conns", o.conns, "gRPC connections shared by the clients")
      ->check(CLI::Range(1, 1024));
  command->add_option("--key-size", o.key_size, "key size in bytes")->check(CLI::Range(1, 1 << 16));
  command->add_option("--val-size", o.val_size, "value size in bytes")
      ->check(CLI::Range(0, 1 << 20));
  command->add_option("--key-space-size", o.key_space_size, "number of distinct keys")
      ->check(CLI::Range(1, 100'000'000));
  command->add_option("--rate", o.rate, "requests per second over all clients (0: unpaced)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--total", o.total, "requests (watch: events written)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}));
  command->add_option("--duration", o.duration_s, "seconds; the run stops at --total or at this")
      ->check(CLI::Range(0.1, 3600.0));
  command->add_option("--consistency", flags->consistency, "reads: l (linearizable) or s")
      ->check(CLI::IsMember({"l", "s"}));
  command->add_option("--read-ratio", o.read_ratio, "mixed: fraction of requests that read")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--watch-writers", o.watch_writers, "watch: threads putting events")
      ->check(CLI::Range(1, 256));
  command->add_option("--key-prefix", o.key_prefix, "prepended to every key");
  command->add_option("--server-pids", flags->server_pids,
                      "server process ids on this machine, comma separated: CPU and RSS per op");
  command->add_option("--request-timeout", o.request_timeout_s, "seconds per request")
      ->check(CLI::Range(0.01, 600.0));
  command
      ->add_option("--trace-every", o.trace_every,
                   "send a W3C traceparent with every Nth request (put, range, txn, mixed)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000'000}));
  command->add_option("--trace-file", flags->trace_file,
                      "write each traced request's trace id and latency here (default "
                      "--trace-every 100)");
  command->add_flag("!--no-load", o.load, "do not write the key space first (it is there)");
  command->add_flag("--json", o.json, "print a JSON report instead of text");
  command->add_flag("--quiet", flags->quiet, "no progress lines on stderr");
  command->callback([flags, &job] { job = [flags] { return run(*flags); }; });
}

}  // namespace chorus::cli
