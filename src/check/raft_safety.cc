#include "check/raft_safety.h"

#include <fmt/format.h>

#include <algorithm>

#include "check/invariant.h"

namespace chorus::check {
namespace {

std::string show_entry(uint64_t term, uint64_t digest) {
  return fmt::format("(term {}, digest {:#018x})", term, digest);
}

std::string show_entry(const RaftSafetyMonitor::EntryId& entry) {
  return show_entry(entry.first, entry.second);
}

std::optional<std::string> compare_logs(const RaftSafetyMonitor::LogView& a,
                                        const RaftSafetyMonitor::LogView& b) {
  if (a.entries.empty() || b.entries.empty()) return std::nullopt;
  const uint64_t low = std::max(a.first_index, b.first_index);
  const uint64_t high =
      std::min(a.first_index + a.entries.size() - 1, b.first_index + b.entries.size() - 1);
  if (low > high) return std::nullopt;
  auto at = [](const RaftSafetyMonitor::LogView& log, uint64_t index) {
    return log.entries[index - log.first_index];
  };
  // The highest shared index where the terms agree fixes how far the logs must be identical.
  uint64_t agreed = high;
  while (at(a, agreed).first != at(b, agreed).first) {
    if (agreed == low) return std::nullopt;
    --agreed;
  }
  for (uint64_t index = low; index <= agreed; ++index) {
    if (at(a, index) == at(b, index)) continue;
    if (index == agreed) {
      return fmt::format(
          "Log Matching violated: node {} and node {} hold different entries with the same term "
          "{} at index {}: digest {:#018x} and digest {:#018x}",
          a.node, b.node, at(a, index).first, index, at(a, index).second, at(b, index).second);
    }
    return fmt::format(
        "Log Matching violated: node {} and node {} both hold an entry of term {} at index {}, "
        "but differ before it: at index {} node {} holds {} and node {} holds {}",
        a.node, b.node, at(a, agreed).first, agreed, index, a.node, show_entry(at(a, index)),
        b.node, show_entry(at(b, index)));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> RaftSafetyMonitor::leader_elected(uint64_t term, uint64_t node) {
  const auto [it, inserted] = leaders_.try_emplace(term, node);
  if (inserted || it->second == node) return std::nullopt;
  return fmt::format(
      "Election Safety violated: node {} became leader of term {}, but node {} was already "
      "leader of term {}",
      node, term, it->second, term);
}

std::optional<std::string> RaftSafetyMonitor::entry_applied(uint64_t node, uint64_t index,
                                                            uint64_t term, uint64_t digest) {
  const uint64_t commit_term_bound = leaders_.empty() ? 0 : leaders_.rbegin()->first;
  const auto [applied, first_time] =
      applied_.try_emplace(index, Applied{term, digest, node, commit_term_bound});
  uint64_t& last = last_applied_[node];
  const uint64_t previous = last;
  // Tracks the node from here on, so one slip is reported once rather than on every later apply.
  last = index;
  if (index != previous + 1) {
    return fmt::format(
        "State Machine Safety violated: node {} applied index {} {} but its last applied index "
        "was {}, so it {}",
        node, index, show_entry(term, digest), previous,
        index <= previous ? "applied an index twice or went back" : "skipped an index");
  }
  CHORUS_CHECK_INVARIANT(applied->first == index);
  CHORUS_CHECK_INVARIANT(last == index);
  if (first_time) return std::nullopt;
  if (applied->second.term == term && applied->second.digest == digest) return std::nullopt;
  return fmt::format(
      "State Machine Safety violated at index {}: node {} applied {} but node {} applied {}", index,
      node, show_entry(term, digest), applied->second.node,
      show_entry(applied->second.term, applied->second.digest));
}

void RaftSafetyMonitor::state_reset(uint64_t node, uint64_t applied_index) {
  last_applied_[node] = applied_index;
}

std::optional<std::string> RaftSafetyMonitor::check_leader_completeness(
    uint64_t term, uint64_t node, const LogLookup& lookup, uint64_t first_index) const {
  for (auto it = applied_.lower_bound(first_index); it != applied_.end(); ++it) {
    const auto& [index, applied] = *it;
    if (applied.commit_term_bound >= term) continue;
    const std::optional<EntryId> held = lookup(index);
    if (held && held->first == applied.term && held->second == applied.digest) continue;
    return fmt::format(
        "Leader Completeness violated: node {}, leader of term {}, {} at index {}, where node {} "
        "applied {}",
        node, term,
        held ? fmt::format("holds {}", show_entry(*held)) : std::string("holds nothing"), index,
        applied.node, show_entry(applied.term, applied.digest));
  }
  return std::nullopt;
}

std::optional<std::string> RaftSafetyMonitor::check_log_matching(const std::vector<LogView>& logs) {
  for (size_t i = 0; i < logs.size(); ++i) {
    for (size_t j = i + 1; j < logs.size(); ++j) {
      if (auto violation = compare_logs(logs[i], logs[j])) return violation;
    }
  }
  return std::nullopt;
}

namespace {

// Raft paper §5.4.1: a's log is at least as up-to-date as b's.
bool at_least_as_up_to_date(const RaftSafetyMonitor::VoterLog& a,
                            const RaftSafetyMonitor::VoterLog& b) {
  return a.last_term > b.last_term || (a.last_term == b.last_term && a.last_index >= b.last_index);
}

}  // namespace

std::optional<std::string> RaftSafetyMonitor::check_committed_entry_is_safe(
    uint64_t index, uint64_t term, const std::vector<VoterLog>& voters) {
  const size_t majority = voters.size() / 2 + 1;
  for (const VoterLog& candidate : voters) {
    if (candidate.holds_entry) continue;
    std::string electorate;
    size_t would_vote = 0;
    for (const VoterLog& voter : voters) {
      if (!at_least_as_up_to_date(candidate, voter)) continue;
      ++would_vote;
      electorate += (electorate.empty() ? "" : ",") + std::to_string(voter.node);
    }
    if (would_vote >= majority) {
      return "committed entry (term " + std::to_string(term) + ") at index " +
             std::to_string(index) + " is not held by node " + std::to_string(candidate.node) +
             " (last term " + std::to_string(candidate.last_term) + ", last index " +
             std::to_string(candidate.last_index) + "), which could still be elected by {" +
             electorate + "} and overwrite it";
    }
  }
  return std::nullopt;
}

}  // namespace chorus::check
