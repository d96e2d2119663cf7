// The append, watch and lock checkers (the register workload goes to
// check::check_kv_linearizable). Pure functions of the recorded history and the final read, so
// tests can plant the faults they must catch: a lost acknowledged write, a write applied twice, a
// gap or a repeat in a watch, two lock holders whose fenced writes interleave.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chaos/history.h"

namespace chorus::chaos {

struct CheckOutcome {
  bool passed = true;
  // Empty when passed; else what is wrong, with the operations or events that show it.
  std::string explanation;
  uint64_t checked = 0;  // operations or events looked at
  // The span of history that shows the violation (for the faults active then).
  uint64_t window_start_us = 0;
  uint64_t window_end_us = 0;
};

// Marks `result` failed: the explanation is `heading` then the first 20 problems, one per line
// (and how many more); the window is [window_start, window_end] (UINT64_MAX start: none).
void fail_with(CheckOutcome& result, const std::string& heading,
               const std::vector<std::string>& problems, uint64_t window_start,
               uint64_t window_end);

// Every acknowledged append is present with its value; every present key was attempted (ok or
// unknown, never one that definitely failed); none was applied twice (version 1).
CheckOutcome check_appends(const std::vector<AppendOp>& appends,
                           const std::vector<StoredKey>& final_read);

// The watcher saw each revision once, in increasing order, across reconnects; every event names a
// key the final read holds at that revision; and every stored key written at or after
// `start_revision` was seen (no gap).
CheckOutcome check_watch(const std::vector<WatchEvent>& events,
                         const std::vector<StoredKey>& final_read, int64_t start_revision);

// The lock workload's fenced writes (workloads.h): ordered by the revision that applied them, the
// stored writes' tokens never decrease (a lower token after a higher one means two holders
// overlapped); every written (acknowledged, compare held) write is present with its token; no
// refused or never attempted write is present; none was applied twice (version 1).
CheckOutcome check_locks(const std::vector<LockWrite>& writes,
                         const std::vector<StoredKey>& final_log);

}  // namespace chorus::chaos
