// The verdict of a run: pass only when every checker passed and the healed cluster served the
// final reads; otherwise the smallest window of history that shows the violation, the faults
// active then, and the command that replays the run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chaos/checks.h"
#include "chaos/history.h"
#include "chaos/options.h"
#include "check/linearizability.h"

namespace chorus::chaos {

struct CheckResults {
  check::LinearizabilityResult registers;
  CheckOutcome appends;
  CheckOutcome watch;
  CheckOutcome locks;
  // Liveness: after healing, the cluster elected a leader and answered the final reads.
  bool healed = true;
  std::string liveness_problem;
};

struct Verdict {
  bool passed = true;
  // Printed as is: one "chaos verdict: PASS|FAIL ..." line first, then the details.
  std::string text;
};

// The [start, end] of the window in a linearizability explanation ("overlapping [A, B]"), in the
// history's time unit; {0, 0} when the text has none.
std::pair<uint64_t, uint64_t> explanation_window(const std::string& explanation);

// Faults active in [start_us, end_us], or healed less than `linger_us` before it starts: a member
// that was paused or restarted may still be catching up when the violation shows.
std::vector<FaultRecord> faults_in_window(const std::vector<FaultRecord>& faults, uint64_t start_us,
                                          uint64_t end_us, uint64_t linger_us = 5'000'000);

Verdict make_verdict(const History& history, const CheckResults& results,
                     const ChaosOptions& options);

}  // namespace chorus::chaos
