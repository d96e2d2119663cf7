#include "cli/sim_command.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "cli/commands.h"
#include "sim/simulation.h"

namespace chorus::cli {

namespace {

void print_failure(const sim::SimOptions& options, const sim::SeedResult& result) {
  fmt::print("\nseed {} FAILED ({} nodes)\n  {}\n", result.seed, result.nodes, result.failure);
  fmt::print("  replay with a trace: {}\n", sim::replay_command(options));
}

}  // namespace

namespace {

struct SeedToRun {
  uint64_t seed;
  size_t nodes;
};

// Reads "SEED [NODES]" lines; returns false (with a message) on a malformed line.
bool read_regressions(const std::string& path, std::vector<SeedToRun>* out) {
  std::ifstream file(path);
  if (!file) {
    fmt::print(stderr, "chorus sim: cannot read {}\n", path);
    return false;
  }
  std::string line;
  for (size_t number = 1; std::getline(file, line); ++number) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    SeedToRun entry{0, 0};
    if (!(fields >> entry.seed)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      fmt::print(stderr, "chorus sim: {}:{}: expected SEED [NODES]\n", path, number);
      return false;
    }
    fields >> entry.nodes;
    out->push_back(entry);
  }
  return true;
}

}  // namespace

int run_sim_command(const SimCommandOptions& command) {
  std::vector<SeedToRun> seeds;
  if (!command.regressions_file.empty()) {
    if (!read_regressions(command.regressions_file, &seeds)) return 2;
    fmt::print("chorus sim: {} regression seeds from {}\n", seeds.size(), command.regressions_file);
  } else {
    const uint64_t first =
        command.seed.value_or(std::random_device{}() | (uint64_t{std::random_device{}()} << 32));
    for (uint64_t i = 0; i < command.seeds; ++i) seeds.push_back({first + i, command.nodes});
    fmt::print("chorus sim: seeds {}..{} ({} seeds), nodes {}\n", first, first + command.seeds - 1,
               command.seeds,
               command.nodes == 0 ? std::string("3-7 by seed") : std::to_string(command.nodes));
  }
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, uint64_t> faults;
  uint64_t operations = 0, completed = 0, entries = 0, leaders = 0, simulated_ms = 0;
  uint64_t failures = 0;
  for (const SeedToRun& entry : seeds) {
    sim::SimOptions options;
    options.seed = entry.seed;
    options.nodes = entry.nodes;
    options.safety_ms = command.safety_ms;
    options.liveness_ms = command.liveness_ms;
    options.trace = command.trace;
    options.trace_to_stdout = command.trace;
    const sim::SeedResult result = sim::run_seed(options);
    operations += result.operations_checked;
    completed += result.operations_completed;
    entries += result.entries_applied;
    leaders += result.leaders_elected;
    simulated_ms += result.simulated_ms;
    for (const auto& [name, count] : result.faults) faults[name] += count;
    if (!result.passed) {
      ++failures;
      print_failure(options, result);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string fault_summary;
  uint64_t fault_total = 0;
  for (const auto& [name, count] : faults) {
    fault_summary += fmt::format(" {}={}", name, count);
    fault_total += count;
  }
  fmt::print("operations checked for linearizability: {} ({} completed by clients)\n", operations,
             completed);
  fmt::print("entries applied: {}   leaders elected: {}   simulated time: {:.1f} s\n", entries,
             leaders, static_cast<double>(simulated_ms) / 1000.0);
  fmt::print("faults injected: {} ({} )\n", fault_total, fault_summary);
  fmt::print("wall time: {:.2f} s ({:.1f} seeds/s)\n", seconds,
             static_cast<double>(seeds.size()) / std::max(seconds, 1e-9));
  if (failures == 0 && !seeds.empty()) {
    fmt::print("verdict: PASS ({} of {} seeds)\n", seeds.size(), seeds.size());
    return 0;
  }
  fmt::print("verdict: FAIL ({} of {} seeds failed)\n", failures, seeds.size());
  return 1;
}

int run_demo_command(uint64_t seed) {
  fmt::print(
      "Chorus demo: a 5-node Raft cluster in the deterministic simulator.\n"
      "Watch elections, client operations, faults (crashes, partitions, lossy links,\n"
      "membership changes) and the checks that follow. (Seed {}; replay it with\n"
      "`chorus sim --seed {} --nodes 5 --trace`.)\n\n",
      seed, seed);
  SimCommandOptions options;
  options.seed = seed;
  options.seeds = 1;
  options.nodes = 5;
  options.trace = true;
  return run_sim_command(options);
}

void add_sim_commands(CLI::App& app, Job& job) {
  auto options = std::make_shared<SimCommandOptions>();
  auto seed = std::make_shared<uint64_t>(0);
  auto* sim = app.add_subcommand("sim", "Run the deterministic simulator over seeds");
  sim->add_option("--seeds", options->seeds, "How many seeds to run")->check(CLI::PositiveNumber);
  sim->add_option("--seed", *seed, "First seed (default: a fresh random one)");
  sim->add_option("--nodes", options->nodes, "Nodes per run, 3 to 7 (default: chosen by seed)")
      ->check(CLI::Range(3, 7));
  sim->add_flag("--trace", options->trace, "Print a readable trace of each run");
  sim->add_option("--safety-ms", options->safety_ms, "Simulated ms of faults per seed");
  sim->add_option("--regressions", options->regressions_file,
                  "Run the seeds listed in this file (SEED [NODES] per line)");
  sim->add_option("--liveness-ms", options->liveness_ms,
                  "Simulated ms allowed to converge once faults stop");
  sim->callback([sim, options, seed, &job] {
    if (sim->count("--seed") > 0) options->seed = *seed;
    job = [options] { return run_sim_command(*options); };
  });

  // A seed that shows a bit of everything: elections, a learner joining through a snapshot and
  // promoted, leaders isolated and crashed, and the checks at the end.
  auto demo_seed = std::make_shared<uint64_t>(17);
  auto* trace = app.add_subcommand("sim-demo", "Show one traced simulator run");
  trace->add_option("--seed", *demo_seed, "Simulator seed to show");
  trace->callback(
      [demo_seed, &job] { job = [demo_seed] { return run_demo_command(*demo_seed); }; });
}

}  // namespace chorus::cli
