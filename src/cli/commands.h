// Subcommand families of the chorus binary. Each adds its subcommands to the app and, when one
// of them is the one parsed, sets `job` to the work to do; main() runs it for the exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace chorus::cli {

using Job = std::function<int()>;

// sim (sim_command.cc)
void add_sim_commands(CLI::App& app, Job& job);
// serve, demo (serve_command.cc, demo_command.cc)
void add_server_commands(CLI::App& app, Job& job);
void add_demo_command(CLI::App& app, Job& job);
// kv, cluster: an etcd v3 client for people without etcdctl (client_commands.cc)
void add_client_commands(CLI::App& app, Job& job);
// bench: load generator for the etcd v3 API, etcd or Chorus (bench_command.cc)
void add_bench_command(CLI::App& app, Job& job);
// chaos: a real cluster under faults, checked workloads, a verdict (chaos_command.cc)
void add_chaos_command(CLI::App& app, Job& job);

}  // namespace chorus::cli
