// What one `chorus chaos` run does: how long, with what seed, against how many members, and
// where it writes its report. Filled by the CLI (src/cli/chaos_command.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "chaos/schedule.h"

namespace chorus::chaos {

enum class Mode : uint8_t {
  // Network namespaces when they can be created, else loopback (see docs/chaos.md).
  kAuto,
  // Every member on 127.0.0.1; faults are process faults only: kill -9, restart, pause.
  kLoopback,
  // Each member in its own network namespace (network.h): process and network faults; the run
  // fails at once when namespaces cannot be created.
  kNetns,
};

struct ChaosOptions {
  std::chrono::milliseconds duration{std::chrono::minutes(2)};
  // Seeds the fault schedule and every workload's choices: the same seed, the same plan.
  uint64_t seed = 1;
  int members = 3;
  Mode mode = Mode::kAuto;
  // Empty: no files written; else report.html and history.json land in it.
  std::string report_dir;
  // The `chorus` executable that runs each member (`chorus serve`).
  std::string chorus_binary = "/proc/self/exe";
  // Time between the starts of two faults; each fault lasts part of it, then the cluster heals.
  std::chrono::milliseconds fault_interval{std::chrono::seconds(8)};
  // Non-empty: only these faults are planned (fault_name spellings, validated by the CLI).
  std::vector<FaultKind> only_faults;
  // Register clients (each its own fault-tolerant Client bound to one member first).
  int clients = 6;
  // Test only: members serve every read from local state (no ReadIndex), so stale reads become
  // possible and the checker must catch them (tests/CMakeLists.txt, chaos_catches_stale_reads).
  bool unsafe_no_read_index = false;
  // Keep the members' data directories and logs even when the run passes.
  bool keep_data = false;
  // The command line that reproduces this run, printed with the verdict.
  std::string rerun_command;
};

}  // namespace chorus::chaos
