// The chorus command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>

#include "cli/sim_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Chorus: a distributed key-value and event store"};
  app.require_subcommand(1);

  chorus::cli::SimCommandOptions sim;
  uint64_t seed = 0;
  auto* sim_command = app.add_subcommand("sim", "Run the deterministic simulator over seeds");
  sim_command->add_option("--seeds", sim.seeds, "How many seeds to run")
      ->check(CLI::PositiveNumber);
  sim_command->add_option("--seed", seed, "First seed (default: a fresh random one)");
  sim_command->add_option("--nodes", sim.nodes, "Nodes per run, 3 to 7 (default: chosen by seed)")
      ->check(CLI::Range(3, 7));
  sim_command->add_flag("--trace", sim.trace, "Print a readable trace of each run");
  sim_command->add_option("--safety-ms", sim.safety_ms, "Simulated ms of faults per seed");
  sim_command->add_option("--regressions", sim.regressions_file,
                          "Run the seeds listed in this file (SEED [NODES] per line)");
  sim_command->add_option("--liveness-ms", sim.liveness_ms,
                          "Simulated ms allowed to converge once faults stop");

  // A seed that shows a bit of everything: elections, a learner joining through a snapshot and
  // promoted, leaders isolated and crashed, and the checks at the end.
  uint64_t demo_seed = 17;
  auto* demo_command = app.add_subcommand("demo", "Show Chorus at work");
  demo_command->add_option("--seed", demo_seed, "Simulator seed to show");

  CLI11_PARSE(app, argc, argv);
  if (sim_command->parsed()) {
    if (sim_command->count("--seed") > 0) sim.seed = seed;
    return chorus::cli::run_sim_command(sim);
  }
  if (demo_command->parsed()) return chorus::cli::run_demo_command(demo_seed);
  return 2;
}
