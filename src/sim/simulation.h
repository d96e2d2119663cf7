// Runs the real Raft core on 3 to 7 simulated nodes under a seeded schedule of faults, then
// checks the Raft safety properties, linearizability of the clients' history, and liveness
// once the faults stop. The same seed always produces the same run, byte for byte.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chorus::sim {

struct SimOptions {
  uint64_t seed = 1;
  // 0: chosen by the seed, from 3 to 7.
  size_t nodes = 0;
  // Simulated time with faults, then the time allowed to converge once they stop.
  uint64_t safety_ms = 3000;
  uint64_t liveness_ms = 10000;
  // Record a readable trace of the run.
  bool trace = false;
  // Print each trace line as it happens (the demo) instead of keeping it.
  bool trace_to_stdout = false;
};

struct SeedResult {
  uint64_t seed = 0;
  size_t nodes = 0;
  bool passed = false;
  // Which check failed and how; empty when passed.
  std::string failure;
  uint64_t operations_checked = 0;
  uint64_t operations_completed = 0;
  uint64_t entries_applied = 0;
  uint64_t leaders_elected = 0;
  uint64_t simulated_ms = 0;
  std::map<std::string, uint64_t> faults;
  std::vector<std::string> trace;
};

SeedResult run_seed(const SimOptions& options);

// The command that replays a seed with a trace.
std::string replay_command(const SimOptions& options);

}  // namespace chorus::sim
