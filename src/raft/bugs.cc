#include "raft/bugs.h"

namespace chorus::raft {

const char* to_string(Bug bug) {
  switch (bug) {
    case Bug::kNone:
      return "none";
    case Bug::kCommitEarlierTerm:
      return "commit-earlier-term";
    case Bug::kVoteWithoutLogCheck:
      return "vote-without-log-check";
    case Bug::kReplyBeforePersist:
      return "reply-before-persist";
    case Bug::kReadWithoutReadIndex:
      return "read-without-read-index";
    case Bug::kNonVoterVotes:
      return "non-voter-votes";
  }
  return "?";
}

#if CHORUS_BUG_INJECTION
namespace {
Bug g_active_bug = Bug::kNone;
}
void set_active_bug(Bug bug) {
  g_active_bug = bug;
}
Bug active_bug() {
  return g_active_bug;
}
#endif

}  // namespace chorus::raft
