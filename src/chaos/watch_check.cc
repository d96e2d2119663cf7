// check_watch: a watcher that reconnects from its last revision + 1 sees every committed revision
// of its range exactly once, in order (etcd's watch guarantees: ordered, reliable, no duplicates).
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>

#include "chaos/checks.h"

namespace chorus::chaos {

CheckOutcome check_watch(const std::vector<WatchEvent>& events,
                         const std::vector<StoredKey>& final_read, int64_t start_revision) {
  CheckOutcome result;
  result.checked = events.size();
  std::map<int64_t, const StoredKey*> by_revision;
  for (const StoredKey& kv : final_read) by_revision.emplace(kv.mod_revision, &kv);
  std::vector<std::string> problems;
  uint64_t window_start = UINT64_MAX;
  uint64_t window_end = 0;
  auto at = [&](uint64_t us) {
    window_start = std::min(window_start, us);
    window_end = std::max(window_end, us);
  };
  std::map<int64_t, uint64_t> seen;  // revision -> when first seen
  int64_t last = 0;
  uint64_t last_us = 0;
  for (const WatchEvent& event : events) {
    const std::string line =
        fmt::format("session {}: {} \"{}\" at revision {} (seen {})", event.session,
                    event.is_put ? "PUT" : "DELETE", event.key, event.revision, event.seen_us);
    if (event.revision <= last) {
      problems.push_back(fmt::format("{} after revision {}: {}",
                                     event.revision == last ? "repeated" : "out of order", last,
                                     line));
      at(last_us);
      at(event.seen_us);
    }
    const auto stored = by_revision.find(event.revision);
    if (!event.is_put || stored == by_revision.end() || stored->second->key != event.key) {
      problems.push_back("not a committed write of the range: " + line);
      at(event.seen_us);
    }
    seen.emplace(event.revision, event.seen_us);
    if (event.revision > last) {
      last = event.revision;
      last_us = event.seen_us;
    }
  }
  for (const StoredKey& kv : final_read) {
    if (kv.mod_revision < start_revision || seen.count(kv.mod_revision) != 0) continue;
    problems.push_back(
        fmt::format("gap: revision {} (\"{}\") never delivered", kv.mod_revision, kv.key));
    // The gap lies between the events around it.
    auto after = seen.upper_bound(kv.mod_revision);
    if (after != seen.end()) at(after->second);
    if (after != seen.begin() && !seen.empty()) at(std::prev(after)->second);
  }
  if (problems.empty()) return result;
  fail_with(result,
            fmt::format("watch: {} problems with \"every revision once, in order, no gaps\" ({} "
                        "events, {} stored "
                        "keys from revision {}):\n",
                        problems.size(), events.size(), final_read.size(), start_revision),
            problems, window_start, window_end);
  return result;
}

}  // namespace chorus::chaos
