// Known Raft bugs that a test-only build can switch on, to prove that the simulator and its
// checkers catch them (see tests/sim_bugs/). In the production build (CHORUS_BUG_INJECTION
// undefined) bug_active() is a constant false and the buggy paths compile away.
#pragma once

#include <cstdint>

#ifndef CHORUS_BUG_INJECTION
#define CHORUS_BUG_INJECTION 0
#endif

namespace chorus::raft {

enum class Bug : uint8_t {
  kNone = 0,
  // (a) Raft paper Figure 8: commit an entry of an earlier term by counting replicas.
  kCommitEarlierTerm,
  // (b) Grant a vote without checking that the candidate's log is up to date (§5.4.1).
  kVoteWithoutLogCheck,
  // (c) Answer a vote or an append before term, vote and entries are persisted.
  kReplyBeforePersist,
  // (d) Serve a linearizable read on the leader without a ReadIndex round (a deposed leader
  // answers from stale state).
  kReadWithoutReadIndex,
  // (e) Count votes from learners and removed nodes.
  kNonVoterVotes,
};

const char* to_string(Bug bug);

#if CHORUS_BUG_INJECTION
// Process-wide, set by the test before a simulation starts (the simulator is single-threaded).
void set_active_bug(Bug bug);
Bug active_bug();
inline bool bug_active(Bug bug) {
  return active_bug() == bug;
}
#else
constexpr bool bug_active(Bug) {
  return false;
}
#endif

}  // namespace chorus::raft
