#include "raft/types.h"

#include "raft/result.h"

namespace chorus::raft {

const char* to_string(MessageType type) {
  switch (type) {
    case MessageType::kHup:
      return "Hup";
    case MessageType::kBeat:
      return "Beat";
    case MessageType::kProp:
      return "Prop";
    case MessageType::kCheckQuorum:
      return "CheckQuorum";
    case MessageType::kSnapStatus:
      return "SnapStatus";
    case MessageType::kUnreachable:
      return "Unreachable";
    case MessageType::kTransferLeader:
      return "TransferLeader";
    case MessageType::kApp:
      return "App";
    case MessageType::kAppResp:
      return "AppResp";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResp:
      return "VoteResp";
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResp:
      return "PreVoteResp";
    case MessageType::kSnap:
      return "Snap";
    case MessageType::kSnapResp:
      return "SnapResp";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResp:
      return "HeartbeatResp";
    case MessageType::kTimeoutNow:
      return "TimeoutNow";
    case MessageType::kReadIndex:
      return "ReadIndex";
    case MessageType::kReadIndexResp:
      return "ReadIndexResp";
  }
  return "?";
}

bool is_local(MessageType type) {
  switch (type) {
    case MessageType::kHup:
    case MessageType::kBeat:
    case MessageType::kCheckQuorum:
    case MessageType::kSnapStatus:
    case MessageType::kUnreachable:
      return true;
    default:
      return false;
  }
}

bool is_response(MessageType type) {
  switch (type) {
    case MessageType::kAppResp:
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp:
    case MessageType::kHeartbeatResp:
    case MessageType::kSnapResp:
    case MessageType::kReadIndexResp:
      return true;
    default:
      return false;
  }
}

const char* to_string(Error error) {
  switch (error) {
    case Error::kCompacted:
      return "requested index is compacted";
    case Error::kUnavailable:
      return "requested entry is unavailable";
    case Error::kSnapshotOutOfDate:
      return "snapshot is out of date";
    case Error::kProposalDropped:
      return "proposal dropped";
    case Error::kStepLocalMessage:
      return "cannot step a local message";
    case Error::kStepPeerNotFound:
      return "peer not found";
    case Error::kWrongGroup:
      return "message for another group";
  }
  return "?";
}

}  // namespace chorus::raft
