// Runs a system tool (ip, nft, tc) for the network fault mode and captures what it printed.
// The chaos run is the only user: members are started by cluster.cc with their own fork/exec.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace chorus::chaos {

struct CommandResult {
  int exit_code = -1;  // -1: could not be started, or killed at the time limit
  std::string output;  // stdout and stderr together
  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (looked up on PATH) with `input` on its stdin; killed after `limit`.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::milliseconds limit = std::chrono::seconds(10));

// "ip netns add x" style, for logs and errors.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace chorus::chaos
