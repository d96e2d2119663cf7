#include "chaos/verdict.h"

#include <fmt/format.h>

#include <cstdlib>

namespace chorus::chaos {

namespace {

std::string seconds(uint64_t us) {
  return fmt::format("{:.3f}s", static_cast<double>(us) / 1e6);
}

std::string fault_lines(const std::vector<FaultRecord>& faults, uint64_t start_us,
                        uint64_t end_us) {
  const auto active = faults_in_window(faults, start_us, end_us);
  std::string text = fmt::format("Faults active in [{}, {}] (or healed up to 5 s before):\n",
                                 seconds(start_us), seconds(end_us));
  if (active.empty()) text += "  none\n";
  for (const FaultRecord& f : active) {
    text += fmt::format("  {} on {}{} from {} to {}\n", fault_name(f.kind), f.member,
                        f.hit_leader ? " (leader)" : "", seconds(f.start_us), seconds(f.end_us));
  }
  return text;
}

}  // namespace

std::pair<uint64_t, uint64_t> explanation_window(const std::string& explanation) {
  const std::string marker = "overlapping [";
  const size_t at = explanation.find(marker);
  if (at == std::string::npos) return {0, 0};
  const char* cursor = explanation.c_str() + at + marker.size();
  char* end = nullptr;
  const uint64_t start = std::strtoull(cursor, &end, 10);
  if (end == nullptr || *end != ',') return {0, 0};
  const uint64_t stop = std::strtoull(end + 1, nullptr, 10);
  return {start, stop};
}

std::vector<FaultRecord> faults_in_window(const std::vector<FaultRecord>& faults, uint64_t start_us,
                                          uint64_t end_us, uint64_t linger_us) {
  std::vector<FaultRecord> active;
  for (const FaultRecord& f : faults) {
    const uint64_t until = f.end_us + linger_us;
    if (f.start_us <= end_us && until >= start_us) active.push_back(f);
  }
  return active;
}

Verdict make_verdict(const History& history, const CheckResults& r, const ChaosOptions& options) {
  Verdict verdict;
  std::vector<std::string> failures;
  std::string details;
  const check::LinearizabilityResult& lin = r.registers;
  if (!lin.linearizable) {
    failures.push_back(lin.timed_out ? "register check inconclusive (search budget spent)"
                                     : "register history is not linearizable");
    const auto [start, end] = explanation_window(lin.explanation);
    details += "Register (times in microseconds since the run started):\n" + lin.explanation;
    if (end > 0) details += fault_lines(history.faults, start, end);
  }
  if (!r.appends.passed) {
    failures.push_back("append lost or duplicated writes");
    details += r.appends.explanation +
               fault_lines(history.faults, r.appends.window_start_us, r.appends.window_end_us);
  }
  if (!r.watch.passed) {
    failures.push_back("watch missed, repeated or reordered revisions");
    details += r.watch.explanation +
               fault_lines(history.faults, r.watch.window_start_us, r.watch.window_end_us);
  }
  if (!r.locks.passed) {
    failures.push_back("lock holders overlapped or fenced writes were lost");
    details += r.locks.explanation +
               fault_lines(history.faults, r.locks.window_start_us, r.locks.window_end_us);
  }
  if (!r.healed) {
    failures.push_back("the healed cluster did not recover");
    details += "Liveness: " + r.liveness_problem + "\n";
  }
  verdict.passed = failures.empty();
  const std::string counts = fmt::format(
      "{} register ops ({} checked), {} appends, {} watch events in {} sessions, {} lock writes "
      "({} checked) in {} holds, {} faults",
      history.registers.size(), lin.operations_checked, history.appends.size(),
      history.watch_events.size(), history.watch_sessions, history.lock_writes.size(),
      r.locks.checked, history.lock_holds.size(), history.faults.size());
  if (verdict.passed) {
    verdict.text = fmt::format("chaos verdict: PASS: {}\n", counts);
    return verdict;
  }
  verdict.text =
      fmt::format("chaos verdict: FAIL: {}: {}\n{}", fmt::join(failures, "; "), counts, details);
  verdict.text += fmt::format("Rerun: {}\n", options.rerun_command);
  return verdict;
}

}  // namespace chorus::chaos
