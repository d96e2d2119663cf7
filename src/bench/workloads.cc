// put, range, txn and mixed: one request (txn: a read, then a compare-and-swap) per step.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "bench/bench.h"
#include "bench/process_stats.h"
#include "bench/runner.h"

namespace chorus::bench {

namespace {

struct StepContext {
  const BenchOptions* options;
  std::shared_ptr<client::Client> api;
  std::string value;  // one random value per client, as etcd's benchmark does
};

template <typename T>
StepResult failed(const client::Result<T>& result) {
  const grpc::Status& status = result.error();
  return {Outcome::error,
          fmt::format("{} ({})", status.error_message(), static_cast<int>(status.error_code()))};
}

std::int64_t random_index(const BenchOptions& options, std::mt19937_64& random) {
  return static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(options.key_space_size));
}

StepResult put(StepContext& c, const std::string& key) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(c.value);
  auto response = c.api->put(request);
  return response.ok() ? StepResult{} : failed(response);
}

// The key's mod_revision, or -1 when the read failed (error filled).
StepResult range(StepContext& c, const std::string& key, std::int64_t* mod_revision = nullptr) {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  request.set_serializable(!c.options->linearizable);
  auto response = c.api->range(request);
  if (!response.ok()) return failed(response);
  if (mod_revision != nullptr) {
    *mod_revision = response->kvs_size() == 0 ? 0 : response->kvs(0).mod_revision();
  }
  return {response->kvs_size() == 0 ? Outcome::miss : Outcome::ok, {}};
}

// Compare-and-swap: read the key's mod_revision, then write only if it is unchanged. A lost
// race (another client wrote in between) is a miss, not an error.
StepResult compare_and_swap(StepContext& c, const std::string& key) {
  std::int64_t mod_revision = 0;
  StepResult read = range(c, key, &mod_revision);
  if (read.outcome == Outcome::error) return read;
  etcdserverpb::TxnRequest request;
  auto* compare = request.add_compare();
  compare->set_key(key);
  compare->set_target(etcdserverpb::Compare::MOD);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_mod_revision(mod_revision);
  auto* swap = request.add_success()->mutable_request_put();
  swap->set_key(key);
  swap->set_value(c.value);
  auto response = c.api->txn(request);
  if (!response.ok()) return failed(response);
  return {response->succeeded() ? Outcome::ok : Outcome::miss, {}};
}

StepFactory factory_for(const BenchOptions& options, Workload workload, bool load_phase) {
  return [&options, workload, load_phase](int client, const std::shared_ptr<client::Client>& api) {
    auto context = std::make_shared<StepContext>();
    context->options = &options;
    context->api = api;
    std::mt19937_64 random(0x5eed + client);
    context->value = random_bytes(options.val_size, random);
    return Step([context, workload, load_phase](std::int64_t sequence, std::mt19937_64& rng) {
      const BenchOptions& o = *context->options;
      // The load phase writes every key once, in order; the measured phase picks at random.
      const std::string key = make_key(o, load_phase ? sequence : random_index(o, rng));
      switch (workload) {
        case Workload::put:
          return put(*context, key);
        case Workload::range:
          return range(*context, key);
        case Workload::txn:
          return compare_and_swap(*context, key);
        case Workload::mixed: {
          const bool read = std::uniform_real_distribution<double>(0, 1)(rng) < o.read_ratio;
          return read ? range(*context, key) : put(*context, key);
        }
        case Workload::watch:
          break;
      }
      return StepResult{Outcome::error, "unsupported workload"};
    });
  };
}

// Reads need keys to find: write the whole key space once before measuring.
void load_keys(const BenchOptions& options, const Clients& clients, BenchResult& result) {
  BenchResult load;
  LoopLimits limits{options.key_space_size, std::max(options.duration_s, 120.0), 0, "load",
                    options.progress};
  run_closed_loop(options, clients, limits, factory_for(options, Workload::put, true), load);
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
  const Clients clients = open_clients(options);
  if (!wait_connected(clients, std::chrono::seconds(10))) {
    result.errors = 1;
    result.first_error = "could not connect to every endpoint within 10 s";
    return result;
  }
  const Workload w = options.workload;
  if (options.load && (w == Workload::range || w == Workload::txn || w == Workload::mixed)) {
    load_keys(options, clients, result);
  }
  const auto before = sample_servers(options);
  const double client_cpu_before = self_cpu_seconds();
  if (w == Workload::watch) {
    run_watch(options, clients, result);
  } else {
    LoopLimits limits{options.total, options.duration_s, options.rate, workload_name(w),
                      options.progress};
    run_closed_loop(options, clients, limits, factory_for(options, w, false), result);
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
