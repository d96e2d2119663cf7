// `chorus sim`: runs the deterministic simulator over a range of seeds and gives a verdict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace chorus::cli {

struct SimCommandOptions {
  // First seed; when absent a fresh one is drawn (and printed, so the run can be repeated).
  std::optional<uint64_t> seed;
  uint64_t seeds = 1;
  size_t nodes = 0;
  bool trace = false;
  uint64_t safety_ms = 3000;
  uint64_t liveness_ms = 10000;
  // A file of seeds to run instead of a range: one "SEED [NODES]" per line, '#' comments.
  std::string regressions_file;
};

// Returns the process exit status: 0 only when every seed passed.
int run_sim_command(const SimCommandOptions& options);
// `chorus demo` (until the server exists): one traced simulator run.
int run_demo_command(uint64_t seed);

}  // namespace chorus::cli
