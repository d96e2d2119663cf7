// Monitor of the Raft safety properties (Raft paper, Figure 3), fed by the simulator as events
// happen. Each check returns a human-readable violation, or nullopt when the property holds; the
// monitor never stops anything itself, so the caller decides whether to fail the run or go on.
//
// Entries are identified by (term, digest): the digest is any 64-bit fingerprint of the entry's
// bytes chosen by the caller, so two different entries with the same term and index are told apart.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chorus::check {

class RaftSafetyMonitor {
 public:
  // (term, digest) of the entry a log holds at one index.
  using EntryId = std::pair<uint64_t, uint64_t>;
  // A leader's log: the entry at `index`, or nullopt when the log does not hold that index.
  using LogLookup = std::function<std::optional<EntryId>(uint64_t index)>;

  // One node's log as it is now: entries[i] is at index first_index + i.
  struct LogView {
    uint64_t node = 0;
    uint64_t first_index = 1;
    std::vector<EntryId> entries;
  };

  // Election Safety: "at most one leader can be elected in a given term" (§5.2). Calling it again
  // for the same node and term is not a violation.
  [[nodiscard]] std::optional<std::string> leader_elected(uint64_t term, uint64_t node);

  // State Machine Safety: "if a server has applied a log entry at a given index to its state
  // machine, no other server will ever apply a different log entry for the same index" (§5.4.3).
  // Also checks that each node applies indexes one by one, in order, each once: the index must be
  // the node's previous one plus one (the first is 1, or as set by state_reset()).
  [[nodiscard]] std::optional<std::string> entry_applied(uint64_t node, uint64_t index,
                                                         uint64_t term, uint64_t digest);

  // The node's state machine was replaced (restart from durable state, snapshot installed) and now
  // reflects every index up to applied_index; its next entry_applied() must be applied_index + 1.
  // Entries it applies again after a restart are still compared with what others applied.
  void state_reset(uint64_t node, uint64_t applied_index);

  // Leader Completeness: "if a log entry is committed in a given term, then that entry will be
  // present in the logs of the leaders for all higher-numbered terms" (§5.4). Call when `node`
  // becomes leader of `term`: every entry applied by any node so far, at an index >= first_index
  // (the leader's first index still in its log; earlier ones are in its snapshot), must be in the
  // leader's log with the same term and digest. Reports the lowest index that is missing or
  // different.
  //
  // Exactness: the property binds only entries committed in terms below `term`, and a leader of
  // a lower term can be elected after a higher-term leader has committed (its vote replies were
  // delayed). So an entry counts only if, when it was first applied, every leader reported to
  // leader_elected() so far had a term below `term`: the leader that committed it had been elected
  // by then, so it was committed in a lower term. This needs the caller to report each leader
  // before it can commit anything.
  [[nodiscard]] std::optional<std::string> check_leader_completeness(uint64_t term, uint64_t node,
                                                                     const LogLookup& lookup,
                                                                     uint64_t first_index) const;

  // Log Matching: "if two logs contain an entry with the same index and term, then the logs are
  // identical in all entries up through the given index" (§5.3), over the indexes both logs still
  // hold. Also flags two entries with the same index and term but different digests.
  [[nodiscard]] static std::optional<std::string> check_log_matching(
      const std::vector<LogView>& logs);

  // What matters of one voter's durable log (what survives a crash, and so what it would
  // campaign with) for the entry just committed.
  struct VoterLog {
    uint64_t node = 0;
    uint64_t last_index = 0;
    uint64_t last_term = 0;
    // Whether it holds the committed entry (or a snapshot covering its index).
    bool holds_entry = false;
  };

  // Committed entries are safe: "once an entry is committed, every node that can still be
  // elected leader holds it" (the invariant behind Leader Completeness, §5.4.3). Checked at the
  // moment a leader commits `index`: a voter that lacks the entry but whose log is at least as
  // up-to-date (§5.4.1) as the durable logs of a majority of voters could win an election and
  // overwrite it. This catches an unsafe commit rule (the paper's Figure 8) when the commit
  // happens, without waiting for the unlucky schedule that actually loses the entry.
  // `voters` must be every voter of one agreed, non-joint configuration.
  [[nodiscard]] static std::optional<std::string> check_committed_entry_is_safe(
      uint64_t index, uint64_t term, const std::vector<VoterLog>& voters);

  // How many distinct indexes some node has applied.
  uint64_t applied_count() const { return applied_.size(); }

 private:
  struct Applied {
    uint64_t term;
    uint64_t digest;
    // The node that applied it first, for the report.
    uint64_t node;
    // The highest term of any leader reported when the index was first applied: the entry was
    // committed in this term or an earlier one.
    uint64_t commit_term_bound;
  };

  // term -> the node elected leader in it.
  std::map<uint64_t, uint64_t> leaders_;
  // index -> the entry applied there (by whichever node applied it first).
  std::map<uint64_t, Applied> applied_;
  // node -> last index it applied.
  std::map<uint64_t, uint64_t> last_applied_;
};

}  // namespace chorus::check
