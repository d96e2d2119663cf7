// Linearizability checker for key-value histories recorded by clients.
//
// A history is linearizable when every operation can be given a single point in time between its
// call and its return such that, taken in that order, the results match a sequential register
// per key (Herlihy & Wing, "Linearizability", 1990). The search is Wing & Gong's with Lowe's
// memoisation and per-key partitioning, as in Porcupine (anishathalye/porcupine); see
// docs/checker.md for the model, the bounds and how to read an explanation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chorus::check {

enum class KvOpKind : uint8_t {
  kGet,
  kPut,
  kCas,  // compare-and-swap: sets `value` iff the current value equals `expected`
  kDelete,
};

enum class KvOutcome : uint8_t {
  // The client learned the result: the operation took effect once, between call and return.
  kOk,
  // The operation definitely did not take effect (e.g. rejected before proposal). It is dropped.
  kFailed,
  // The client never learned the result (timeout, crash): the operation may have taken effect at
  // any time after its call, or never. Its return time and result fields are ignored.
  kUnknown,
};

// "ok", "failed" or "unknown": for histories written out and explanations.
const char* outcome_name(KvOutcome outcome);

struct KvOperation {
  uint64_t client = 0;
  KvOpKind kind = KvOpKind::kGet;
  std::string key;
  // Put and Cas: the value written.
  std::string value;
  // Cas: the value that must be current for the swap to happen; nullopt means "key absent".
  std::optional<std::string> expected;
  // Times share one clock (simulated ticks or nanoseconds). call_time <= return_time for kOk.
  uint64_t call_time = 0;
  uint64_t return_time = 0;
  KvOutcome outcome = KvOutcome::kOk;
  // Get with kOk: whether the key existed, and its value when it did.
  bool found = false;
  std::string read_value;
  // Cas with kOk: whether the swap happened.
  bool cas_succeeded = false;
};

// Bounds on the search for one key. Hitting a bound makes the result inconclusive (timed_out),
// never a pass: the search is exponential in the worst case and CI must not stall on one history.
struct CheckLimits {
  // One step is one look at an entry of the history (try an operation, or backtrack).
  uint64_t max_search_steps_per_key = 10'000'000;
  // Memory held by the table of visited (linearized set, register) states.
  uint64_t max_memo_bytes_per_key = uint64_t{256} << 20;
};

struct LinearizabilityResult {
  // True only when every key was shown linearizable.
  bool linearizable = true;
  // The search budget ran out on `key` before an answer: inconclusive, and linearizable is false.
  // A definite violation on another key takes precedence and leaves this false.
  bool timed_out = false;
  // The first key (in byte order) that is not linearizable, or that timed out.
  std::string key;
  // Empty when linearizable. Otherwise a report on `key`: the operation that could not be
  // linearized, one longest consistent order found before it, and the window of the key's history
  // around it (docs/checker.md, "Reading an explanation").
  std::string explanation;
  // Operations that took part in the search, over all keys checked (failed operations and
  // unknown gets are dropped first: they cannot change any state).
  uint64_t operations_checked = 0;
  // Search steps spent, over all keys checked.
  uint64_t search_steps = 0;
};

// Checks the history key by key, in byte order of keys, and stops at the first key that is not
// linearizable. Deterministic: the same history gives the same result and explanation.
// Requires call_time <= return_time for every kOk operation (aborts otherwise: a recorder bug).
[[nodiscard]] LinearizabilityResult check_kv_linearizable(
    const std::vector<KvOperation>& history, const CheckLimits& limits = CheckLimits{});

// One line, e.g. `client 3: get("k") -> "v" [call 10, return 20]`. Strings are escaped.
std::string describe(const KvOperation& operation);

}  // namespace chorus::check
