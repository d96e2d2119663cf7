// etcd's error table: the exact message and gRPC status code of every error an etcd v3.5 server
// sends on its KV, Watch, Lease, Cluster, Maintenance, Auth, Lock and Election services.
//
// clientv3 recognises a server error by its message text (rpctypes.Error looks the message up in
// errStringToError), and some clients branch on the code (Unavailable means "retry elsewhere").
// Both must therefore be byte-for-byte etcd's: api/v3rpc/rpctypes/error.go at v3.5.33 for the
// "etcdserver: ..." errors, client/v3/concurrency and server/etcdserver/api/v3election for the
// Lock and Election errors (those are plain Go errors, which grpc-go sends as UNKNOWN).
#pragma once

#include <grpcpp/support/status.h>

#include <cstddef>

#include "kv/error.h"

namespace chorus::convert {

// The store's errors as etcd sends them: kv::error_message with kv::grpc_code_name's code.
grpc::Status to_grpc(kv::Error error);

// Errors the server, not the store, decides on. Grouped as error.go groups them.
enum class ServerError {
  // KV (the store reports most of these as kv::Error; the server needs them before the store)
  kEmptyKey,       // "etcdserver: key is not provided", INVALID_ARGUMENT
  kKeyNotFound,    // "etcdserver: key not found", INVALID_ARGUMENT
  kValueProvided,  // "etcdserver: value is provided", INVALID_ARGUMENT
  kLeaseProvided,  // "etcdserver: lease is provided", INVALID_ARGUMENT
  kTooManyOps,     // "etcdserver: too many operations in txn request", INVALID_ARGUMENT
  kDuplicateKey,   // "etcdserver: duplicate key given in txn request", INVALID_ARGUMENT
  kCompacted,      // "etcdserver: mvcc: required revision has been compacted", OUT_OF_RANGE
  kFutureRev,      // "etcdserver: mvcc: required revision is a future revision", OUT_OF_RANGE
  kNoSpace,        // "etcdserver: mvcc: database space exceeded", RESOURCE_EXHAUSTED
  // etcd 3.6's answer to an unknown sort order or target; etcd 3.5 has no such error (it panics
  // on some of those requests). See convert/sort_check.h.
  kInvalidSortOption,  // "etcdserver: invalid sort option", INVALID_ARGUMENT

  // Lease
  kLeaseNotFound,     // "etcdserver: requested lease not found", NOT_FOUND
  kLeaseExist,        // "etcdserver: lease already exists", FAILED_PRECONDITION
  kLeaseTtlTooLarge,  // "etcdserver: too large lease TTL", OUT_OF_RANGE

  // Watch
  kWatchCanceled,  // "etcdserver: watch canceled", CANCELLED

  // Cluster
  kMemberExist,             // FAILED_PRECONDITION
  kPeerUrlExist,            // FAILED_PRECONDITION
  kMemberNotEnoughStarted,  // FAILED_PRECONDITION
  kMemberBadURLs,           // INVALID_ARGUMENT
  kMemberNotFound,          // NOT_FOUND
  kMemberNotLearner,        // FAILED_PRECONDITION
  kMemberLearnerNotReady,   // FAILED_PRECONDITION
  kTooManyLearners,         // FAILED_PRECONDITION
  kClusterIdMismatch,       // FAILED_PRECONDITION
  kRequestTooLarge,         // INVALID_ARGUMENT
  kTooManyRequests,         // RESOURCE_EXHAUSTED

  // Auth
  kRootUserNotExist,      // FAILED_PRECONDITION
  kRootRoleNotExist,      // FAILED_PRECONDITION
  kUserAlreadyExist,      // FAILED_PRECONDITION
  kUserEmpty,             // INVALID_ARGUMENT
  kUserNotFound,          // FAILED_PRECONDITION
  kRoleAlreadyExist,      // FAILED_PRECONDITION
  kRoleNotFound,          // FAILED_PRECONDITION
  kRoleEmpty,             // INVALID_ARGUMENT
  kAuthFailed,            // INVALID_ARGUMENT
  kPermissionNotGiven,    // INVALID_ARGUMENT
  kPermissionDenied,      // PERMISSION_DENIED
  kRoleNotGranted,        // FAILED_PRECONDITION
  kPermissionNotGranted,  // FAILED_PRECONDITION
  kAuthNotEnabled,        // FAILED_PRECONDITION
  kInvalidAuthToken,      // UNAUTHENTICATED
  kInvalidAuthMgmt,       // INVALID_ARGUMENT
  kAuthOldRevision,       // INVALID_ARGUMENT

  // Server state
  kNoLeader,                    // UNAVAILABLE
  kNotLeader,                   // FAILED_PRECONDITION
  kLeaderChanged,               // UNAVAILABLE
  kNotCapable,                  // UNAVAILABLE
  kStopped,                     // UNAVAILABLE
  kTimeout,                     // UNAVAILABLE
  kTimeoutDueToLeaderFail,      // UNAVAILABLE
  kTimeoutDueToConnectionLost,  // UNAVAILABLE
  kTimeoutWaitAppliedIndex,     // UNAVAILABLE
  kUnhealthy,                   // UNAVAILABLE
  kCorrupt,                     // DATA_LOSS
  kNotSupportedForLearner,      // UNAVAILABLE
  kBadLeaderTransferee,         // FAILED_PRECONDITION

  // Maintenance: downgrade
  kClusterVersionUnavailable,      // UNAVAILABLE
  kWrongDowngradeVersionFormat,    // INVALID_ARGUMENT
  kInvalidDowngradeTargetVersion,  // INVALID_ARGUMENT
  kDowngradeInProcess,             // FAILED_PRECONDITION
  kNoInflightDowngrade,            // FAILED_PRECONDITION

  // The request's context ended (etcd's togRPCError of context.Canceled / DeadlineExceeded)
  kCanceled,          // "etcdserver: request canceled", CANCELLED
  kDeadlineExceeded,  // "etcdserver: context deadline exceeded", DEADLINE_EXCEEDED

  // Lock and Election (v3lock, v3election): plain Go errors, so UNKNOWN on the wire
  kElectionNotLeader,         // "election: not leader"
  kElectionNoLeader,          // "election: no leader"
  kElectionMissingLeaderKey,  // "\"leader\" field must be provided"
  kLockSessionExpired,        // "mutex: session is expired"

  // etcd 3.5 has no error of its own for an election whose session (lease) is gone: Campaign
  // and Proclaim write with the session's lease, and that put fails with "requested lease not
  // found". An alias, so the server can say what it means and still send etcd's answer.
  kElectionSessionExpired = kLeaseNotFound,
  // v3lock's Unlock deletes the key and succeeds whether or not the lock was held: etcd has no
  // "lock not held" error, and neither do we.
};

// The first and last enumerator, for tests and tables that walk the whole enum.
inline constexpr ServerError kFirstServerError = ServerError::kEmptyKey;
inline constexpr ServerError kLastServerError = ServerError::kLockSessionExpired;
inline constexpr size_t kServerErrorCount = static_cast<size_t>(kLastServerError) + 1;

// etcd's exact message, e.g. "etcdserver: no leader".
const char* message(ServerError error);
// etcd's gRPC status code for it.
grpc::StatusCode grpc_code(ServerError error);
// grpc::Status{grpc_code(error), message(error)}.
grpc::Status to_grpc(ServerError error);
// A short stable identifier for logs ("NoLeader").
const char* to_string(ServerError error);

}  // namespace chorus::convert
