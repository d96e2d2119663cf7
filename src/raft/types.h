// Value types shared by the Raft core and everything that drives it.
//
// Term, Index, NodeId and GroupId are distinct types so that passing an index where a term is
// expected does not compile. They are plain 64-bit values on the wire and on disk.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace chorus::raft {

template <typename Tag>
struct StrongId {
  uint64_t value = 0;

  constexpr StrongId() = default;
  constexpr explicit StrongId(uint64_t v) : value(v) {}
  constexpr auto operator<=>(const StrongId&) const = default;

  constexpr StrongId operator+(uint64_t n) const { return StrongId(value + n); }
  constexpr StrongId operator-(uint64_t n) const { return StrongId(value - n); }
  constexpr StrongId& operator++() {
    ++value;
    return *this;
  }
  constexpr StrongId next() const { return StrongId(value + 1); }
  constexpr StrongId prev() const { return StrongId(value - 1); }
};

struct TermTag {};
struct IndexTag {};
struct NodeIdTag {};
struct GroupIdTag {};

using Term = StrongId<TermTag>;
using Index = StrongId<IndexTag>;
// 0 means "nobody" (no leader, no vote).
using NodeId = StrongId<NodeIdTag>;
using GroupId = StrongId<GroupIdTag>;

inline constexpr NodeId kNoNode{};

// The distance between two indexes, as a count of entries. Requires high >= low.
constexpr uint64_t distance(Index low, Index high) {
  return high.value - low.value;
}

enum class EntryType : uint8_t {
  kNormal = 0,
  kConfChange = 1,  // data holds an encoded ConfChange (see conf_change.h)
};

struct Entry {
  Term term;
  Index index;
  EntryType type = EntryType::kNormal;
  std::string data;

  bool operator==(const Entry&) const = default;
  // Bytes counted against batch and in-flight limits.
  uint64_t size_bytes() const { return data.size() + 24; }
};

// The state that must be on stable storage before any message that depends on it is sent
// (Raft paper, Figure 2, "Persistent state on all servers": currentTerm, votedFor, log[]).
// commit is persisted too so that a restarted node does not re-apply from zero.
struct HardState {
  Term term;
  NodeId vote;
  Index commit;

  bool operator==(const HardState&) const = default;
  bool empty() const { return *this == HardState{}; }
};

// Membership, as stored in snapshots and produced by applying conf changes.
// During joint consensus (Raft paper §6) voters_outgoing is the old configuration.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  std::vector<NodeId> voters_outgoing;
  // Learners that become voters when the joint configuration is left (a voter demoted to
  // learner while it is still in the outgoing configuration).
  std::vector<NodeId> learners_next;
  // When true, the leader proposes leaving the joint configuration as soon as it can.
  bool auto_leave = false;

  bool operator==(const ConfState&) const = default;
};

struct SnapshotMetadata {
  Index index;
  Term term;
  ConfState conf_state;

  bool operator==(const SnapshotMetadata&) const = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;

  bool empty() const { return metadata.index == Index{}; }
  bool operator==(const Snapshot&) const = default;
};

enum class MessageType : uint8_t {
  // Local messages: never sent over the network.
  kHup,             // start an election
  kBeat,            // leader: send heartbeats
  kProp,            // propose entries (may be forwarded from a follower to the leader)
  kCheckQuorum,     // leader: step down unless a quorum was heard from
  kSnapStatus,      // transport reports success or failure of a snapshot transfer
  kUnreachable,     // transport reports a peer unreachable
  kTransferLeader,  // ask the leader to hand leadership to `from`'s suggested target
  // Network messages.
  kApp,
  kAppResp,
  kVote,
  kVoteResp,
  kPreVote,
  kPreVoteResp,
  kSnap,      // one chunk of an InstallSnapshot
  kSnapResp,  // acknowledges a chunk (or rejects the transfer)
  kHeartbeat,
  kHeartbeatResp,
  kTimeoutNow,
  kReadIndex,
  kReadIndexResp,
};

const char* to_string(MessageType type);
bool is_local(MessageType type);
bool is_response(MessageType type);

// One message of the protocol. Fields not used by a type are left at their defaults.
struct Message {
  GroupId group;
  MessageType type = MessageType::kHup;
  NodeId from;
  NodeId to;
  Term term;
  // kApp: term and index of the entry before `entries` (the paper's prevLogTerm/prevLogIndex).
  // kAppResp / kSnapResp: index acknowledged, or the rejected index.
  // kVote / kPreVote: term and index of the candidate's last entry.
  // kReadIndex: log_term is the term in which the requester follows the leader it sent the read
  // to, or 0 when another member passed the read on (Raft::read_vouched_by).
  Term log_term;
  Index index;
  std::vector<Entry> entries;
  Index commit;
  bool reject = false;
  // kAppResp rejection: a hint of the follower's last index and its term there, so the
  // leader can skip a whole term of conflicting entries at once (Raft paper §5.3, last note).
  Index reject_hint;
  Term reject_hint_term;
  // kVote / kPreVote sent because of leadership transfer: bypasses the leader lease check.
  bool transfer = false;
  // kSnap: the snapshot's metadata, the offset of this chunk in the data, the chunk itself,
  // and whether it is the last chunk.
  SnapshotMetadata snapshot_metadata;
  uint64_t snapshot_offset = 0;
  std::string snapshot_chunk;
  bool snapshot_done = false;
  // kHeartbeat / kHeartbeatResp / kReadIndex / kReadIndexResp: the read context that a
  // heartbeat round confirms (see read_only.h).
  std::string context;
};

}  // namespace chorus::raft

template <typename Tag>
struct std::hash<chorus::raft::StrongId<Tag>> {
  size_t operator()(const chorus::raft::StrongId<Tag>& id) const noexcept {
    return std::hash<uint64_t>()(id.value);
  }
};
