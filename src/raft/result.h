// Errors a caller must handle are values, not exceptions (see STYLE.md).
#pragma once

#include "base/result.h"

namespace chorus::raft {

enum class Error {
  kCompacted,          // the requested index is below the first index the log still holds
  kUnavailable,        // the requested index is beyond the last index
  kSnapshotOutOfDate,  // a snapshot older than the one already held
  kProposalDropped,    // no leader, a leadership transfer in progress, or a conf change pending
  kStepLocalMessage,   // a local-only message type arrived from the network
  kStepPeerNotFound,   // a response from a node that is not in the configuration
  kWrongGroup,         // the message carries another group's id
};

const char* to_string(Error error);

template <typename T>
using Result = base::Result<T, Error>;
using Status = base::Status<Error>;

}  // namespace chorus::raft
