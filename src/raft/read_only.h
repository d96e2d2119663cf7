// Batched ReadIndex (Raft dissertation §6.4): the leader records its commit index for each
// read, then confirms it is still leader with one round of heartbeats. One round confirms every
// read that arrived before it was sent, so a burst of reads costs one round, not one each.
//
// Rounds are numbered; every heartbeat carries the number of the latest round started, and a
// follower echoes it back. A read received while a round is in flight waits for the next one:
// the confirmation must happen after the read arrived.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "raft/quorum.h"
#include "raft/types.h"

namespace chorus::raft {

enum class ReadOnlyOption : uint8_t {
  // ReadIndex with a heartbeat round: safe under any clock behaviour.
  kSafe,
  // Leader lease: the leader answers from its commit index while check-quorum keeps it sure of
  // its leadership. Assumes clocks of members advance at rates within a bound (a follower does
  // not time out and elect someone else before the leader's lease runs out). Off by default.
  kLeaseBased,
};

struct PendingRead {
  std::string context;  // the client's request id, returned in the ReadState
  NodeId requester;     // the follower that forwarded it, or the leader itself
  Index index;          // commit index when the read arrived
  uint64_t round;       // the heartbeat round that confirms it
};

class ReadOnly {
 public:
  // Adds a read. Returns true if a new round must be started now (none in flight).
  bool add(std::string context, NodeId requester, Index commit);
  // The round number every heartbeat should carry.
  uint64_t round_sent() const { return round_sent_; }
  // Starts the next round (the caller broadcasts heartbeats carrying round_sent()).
  void start_round() { ++round_sent_; }
  // Records an acknowledgement of `round` from `from`.
  void ack(NodeId from, uint64_t round);
  // Releases the reads confirmed by a quorum of the configuration (the leader counts itself as
  // having acknowledged every round). Sets *start_next when reads are waiting for a round that
  // has not been sent yet.
  std::vector<PendingRead> release(NodeId self, const JointConfig& voters, bool* start_next);
  size_t pending() const { return pending_.size(); }
  void reset();

  static std::string encode_round(uint64_t round);
  static uint64_t decode_round(const std::string& context);

 private:
  std::deque<PendingRead> pending_;
  std::map<NodeId, uint64_t> acked_;
  uint64_t round_sent_ = 0;
  uint64_t round_confirmed_ = 0;
};

}  // namespace chorus::raft
