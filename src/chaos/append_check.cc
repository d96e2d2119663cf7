// check_appends: acknowledged writes survive the faults, and none is applied twice.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "chaos/checks.h"

namespace chorus::chaos {

CheckOutcome check_appends(const std::vector<AppendOp>& appends,
                           const std::vector<StoredKey>& final_read) {
  CheckOutcome result;
  result.checked = appends.size();
  std::map<std::string, const StoredKey*> stored;
  for (const StoredKey& kv : final_read) stored.emplace(kv.key, &kv);
  std::map<std::string, const AppendOp*> attempted;
  std::vector<std::string> problems;
  uint64_t window_start = UINT64_MAX;
  uint64_t window_end = 0;
  auto blame = [&](const AppendOp& op, std::string text) {
    problems.push_back(std::move(text));
    window_start = std::min(window_start, op.call_us);
    window_end = std::max(window_end, std::max(op.return_us, op.call_us));
  };
  for (const AppendOp& op : appends) {
    attempted.emplace(op.key, &op);
    const std::string line =
        fmt::format("client {} put(\"{}\", \"{}\") -> {} [call {}, return {}]", op.client, op.key,
                    op.value, check::outcome_name(op.outcome), op.call_us, op.return_us);
    const auto it = stored.find(op.key);
    if (it == stored.end()) {
      if (op.outcome == check::KvOutcome::kOk) blame(op, "lost (acknowledged, absent): " + line);
      continue;
    }
    const StoredKey& kv = *it->second;
    if (op.outcome == check::KvOutcome::kFailed) {
      blame(op, "applied although it failed: " + line);
    } else if (kv.value != op.value) {
      blame(op, fmt::format("holds \"{}\" instead: {}", kv.value, line));
    } else if (kv.version != 1) {
      blame(op, fmt::format("applied {} times (version {}, mod revision {}): {}", kv.version,
                            kv.version, kv.mod_revision, line));
    }
  }
  for (const StoredKey& kv : final_read) {
    if (attempted.count(kv.key) == 0) {
      problems.push_back(fmt::format("key \"{}\" = \"{}\" (revision {}) was never written", kv.key,
                                     kv.value, kv.mod_revision));
    }
  }
  if (problems.empty()) return result;
  fail_with(result,
            fmt::format("append: {} of {} writes violate \"every acknowledged write "
                        "present, none twice\":\n",
                        problems.size(), appends.size()),
            problems, window_start, window_end);
  return result;
}

}  // namespace chorus::chaos
