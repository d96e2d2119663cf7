// check_locks: the fencing tokens of the lock workload show that no two holders overlapped.
//
// Why it proves that: a Lock RPC returns only once the caller's key has the lowest create
// revision under the lock's prefix, and a key created later always has a higher one, so while
// the key exists its holder holds the lock. A fenced write applies only while its holder's key
// exists with the create revision read after Lock returned (the token). The next holder is
// granted only once that key is gone, and its own token is higher. So in the order the cluster
// applied them (mod revision), the stored writes' tokens can only grow; a lower token after a
// higher one means the older holder wrote while the newer one held the lock.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "chaos/checks.h"

namespace chorus::chaos {

namespace {

std::string describe(const LockWrite& w) {
  return fmt::format("client {} token {} put(\"{}\") -> {} [call {}, return {}]", w.client, w.token,
                     w.key, lock_write_outcome_name(w.outcome), w.call_us, w.return_us);
}

}  // namespace

CheckOutcome check_locks(const std::vector<LockWrite>& writes,
                         const std::vector<StoredKey>& final_log) {
  CheckOutcome result;
  result.checked = writes.size();
  std::map<std::string, const StoredKey*> stored;
  for (const StoredKey& kv : final_log) stored.emplace(kv.key, &kv);
  std::map<std::string, const LockWrite*> attempted;
  std::vector<std::string> problems;
  uint64_t window_start = UINT64_MAX;
  uint64_t window_end = 0;
  auto cover = [&](const LockWrite& w) {
    window_start = std::min(window_start, w.call_us);
    window_end = std::max(window_end, std::max(w.return_us, w.call_us));
  };
  auto blame = [&](const LockWrite& w, std::string text) {
    problems.push_back(std::move(text));
    cover(w);
  };

  // The stored fenced writes, for the order check: (mod revision, the write).
  std::vector<std::pair<int64_t, const LockWrite*>> applied;
  for (const LockWrite& w : writes) {
    attempted.emplace(w.key, &w);
    const auto it = stored.find(w.key);
    if (it == stored.end()) {
      if (w.outcome == LockWriteOutcome::kWritten) {
        blame(w, "lost (acknowledged, absent): " + describe(w));
      }
      continue;
    }
    const StoredKey& kv = *it->second;
    applied.emplace_back(kv.mod_revision, &w);
    if (w.outcome == LockWriteOutcome::kRefused) {
      blame(w, fmt::format("applied although refused (mod revision {}): {}", kv.mod_revision,
                           describe(w)));
    } else if (kv.value != std::to_string(w.token)) {
      blame(w, fmt::format("holds \"{}\" instead of its token: {}", kv.value, describe(w)));
    } else if (kv.version != 1) {
      blame(w, fmt::format("applied {} times (version {}, mod revision {}): {}", kv.version,
                           kv.version, kv.mod_revision, describe(w)));
    }
  }
  for (const StoredKey& kv : final_log) {
    if (attempted.count(kv.key) == 0) {
      problems.push_back(fmt::format("key \"{}\" = \"{}\" (revision {}) was never written", kv.key,
                                     kv.value, kv.mod_revision));
    }
  }

  std::sort(applied.begin(), applied.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::pair<int64_t, const LockWrite*>* highest = nullptr;
  for (const auto& entry : applied) {
    if (highest != nullptr && entry.second->token < highest->second->token) {
      const LockWrite& newer = *highest->second;
      const LockWrite& older = *entry.second;
      problems.push_back(fmt::format(
          "holders overlapped: token {} wrote at revision {} after token {} wrote at revision {}"
          ":\n    {}\n    {}",
          older.token, entry.first, newer.token, highest->first, describe(newer), describe(older)));
      cover(newer);
      cover(older);
    }
    if (highest == nullptr || entry.second->token > highest->second->token) highest = &entry;
  }

  if (problems.empty()) return result;
  fail_with(
      result,
      fmt::format(
          "lock: fenced writes violate \"holders never overlap, acknowledged writes kept\" ({} "
          "problems in {} writes):\n",
          problems.size(), writes.size()),
      problems, window_start, window_end);
  return result;
}

}  // namespace chorus::chaos
