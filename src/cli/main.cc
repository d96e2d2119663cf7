// The chorus command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Chorus: a distributed key-value and event store"};
  app.require_subcommand(1);
  chorus::cli::Job job;
  chorus::cli::add_sim_commands(app, job);
  chorus::cli::add_server_commands(app, job);
  chorus::cli::add_client_commands(app, job);
  chorus::cli::add_bench_command(app, job);
  chorus::cli::add_chaos_command(app, job);
  CLI11_PARSE(app, argc, argv);
  return job ? job() : 2;
}
