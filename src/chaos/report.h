// The run's numbers and its HTML report: throughput and latency per second, the recovery of each
// fault, and one self-contained page (inline SVG and CSS, no external URL) that shows them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chaos/history.h"

namespace chorus::chaos {

struct SecondStats {
  uint64_t ok_ops = 0;       // register and append operations that completed with kOk
  uint64_t unknown_ops = 0;  // operations whose outcome stayed unknown
  double p50_ms = 0;         // latency of the kOk ones
  double p99_ms = 0;
};

// Index = second since the run started, over [0, history.end_us].
std::vector<SecondStats> per_second(const History& history);

// Fills each fault's `dipped` and `full_throughput_us` from the throughput per second. The
// baseline is the mean over the (up to) 5 whole seconds before the fault; "full" is 80% of it.
// A fault dips when some second from its start to 5 s after its heal is below full; it is back
// to full at the start of the first second after the dip that reaches full again, looked for
// until the next fault starts (else it stays nullopt: not reached).
void measure_recovery(History& history);

// The page. `verdict` is printed at the top; [window_start_us, window_end_us] (when end > 0) is
// outlined on the timeline as the violation's window.
std::string html_report(const History& history, const std::string& verdict,
                        uint64_t window_start_us, uint64_t window_end_us);

}  // namespace chorus::chaos
