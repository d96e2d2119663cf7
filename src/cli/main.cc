// The chorus command: one binary, one subcommand per job.
#include <absl/synchronization/mutex.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Debian's Abseil is built with absl::Mutex's deadlock detection on (the default without
  // NDEBUG): every lock that gRPC takes updated a process-wide lock graph and recorded stack
  // traces, a few percent of a busy member's CPU in perf (GraphCycles::GetId, UpdateStackTrace).
  // Our own code does not use absl::Mutex; gRPC's release builds elsewhere run without it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
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
