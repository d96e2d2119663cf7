#include "convert/errors.h"

#include <cstring>

namespace chorus::convert {
namespace {

// kv::grpc_code_name records etcd's code as its canonical name, so that the store needs no gRPC;
// here the name becomes the code. Every name a gRPC status can have is listed.
grpc::StatusCode code_from_name(const char* name) {
  struct Named {
    const char* name;
    grpc::StatusCode code;
  };
  static constexpr Named kCodes[] = {
      {"OK", grpc::StatusCode::OK},
      {"CANCELLED", grpc::StatusCode::CANCELLED},
      {"UNKNOWN", grpc::StatusCode::UNKNOWN},
      {"INVALID_ARGUMENT", grpc::StatusCode::INVALID_ARGUMENT},
      {"DEADLINE_EXCEEDED", grpc::StatusCode::DEADLINE_EXCEEDED},
      {"NOT_FOUND", grpc::StatusCode::NOT_FOUND},
      {"ALREADY_EXISTS", grpc::StatusCode::ALREADY_EXISTS},
      {"PERMISSION_DENIED", grpc::StatusCode::PERMISSION_DENIED},
      {"RESOURCE_EXHAUSTED", grpc::StatusCode::RESOURCE_EXHAUSTED},
      {"FAILED_PRECONDITION", grpc::StatusCode::FAILED_PRECONDITION},
      {"ABORTED", grpc::StatusCode::ABORTED},
      {"OUT_OF_RANGE", grpc::StatusCode::OUT_OF_RANGE},
      {"UNIMPLEMENTED", grpc::StatusCode::UNIMPLEMENTED},
      {"INTERNAL", grpc::StatusCode::INTERNAL},
      {"UNAVAILABLE", grpc::StatusCode::UNAVAILABLE},
      {"DATA_LOSS", grpc::StatusCode::DATA_LOSS},
      {"UNAUTHENTICATED", grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const Named& named : kCodes) {
    if (std::strcmp(named.name, name) == 0) return named.code;
  }
  return grpc::StatusCode::UNKNOWN;
}

struct Entry {
  const char* message;
  grpc::StatusCode code;
  const char* name;
};

using Code = grpc::StatusCode;

// One switch, so that -Wswitch catches an enumerator without a message. Texts are copied from
// etcd v3.5.33 (see errors.h); do not "fix" their grammar, clients match them exactly.
Entry entry(ServerError error) {
  switch (error) {
    case ServerError::kEmptyKey:
      return {"etcdserver: key is not provided", Code::INVALID_ARGUMENT, "EmptyKey"};
    case ServerError::kKeyNotFound:
      return {"etcdserver: key not found", Code::INVALID_ARGUMENT, "KeyNotFound"};
    case ServerError::kValueProvided:
      return {"etcdserver: value is provided", Code::INVALID_ARGUMENT, "ValueProvided"};
    case ServerError::kLeaseProvided:
      return {"etcdserver: lease is provided", Code::INVALID_ARGUMENT, "LeaseProvided"};
    case ServerError::kTooManyOps:
      return {"etcdserver: too many operations in txn request", Code::INVALID_ARGUMENT,
              "TooManyOps"};
    case ServerError::kDuplicateKey:
      return {"etcdserver: duplicate key given in txn request", Code::INVALID_ARGUMENT,
              "DuplicateKey"};
    case ServerError::kCompacted:
      return {"etcdserver: mvcc: required revision has been compacted", Code::OUT_OF_RANGE,
              "Compacted"};
    case ServerError::kFutureRev:
      return {"etcdserver: mvcc: required revision is a future revision", Code::OUT_OF_RANGE,
              "FutureRev"};
    case ServerError::kNoSpace:
      return {"etcdserver: mvcc: database space exceeded", Code::RESOURCE_EXHAUSTED, "NoSpace"};
    case ServerError::kInvalidSortOption:
      return {"etcdserver: invalid sort option", Code::INVALID_ARGUMENT, "InvalidSortOption"};

    case ServerError::kLeaseNotFound:
      return {"etcdserver: requested lease not found", Code::NOT_FOUND, "LeaseNotFound"};
    case ServerError::kLeaseExist:
      return {"etcdserver: lease already exists", Code::FAILED_PRECONDITION, "LeaseExist"};
    case ServerError::kLeaseTtlTooLarge:
      return {"etcdserver: too large lease TTL", Code::OUT_OF_RANGE, "LeaseTtlTooLarge"};

    case ServerError::kWatchCanceled:
      return {"etcdserver: watch canceled", Code::CANCELLED, "WatchCanceled"};

    case ServerError::kMemberExist:
      return {"etcdserver: member ID already exist", Code::FAILED_PRECONDITION, "MemberExist"};
    case ServerError::kPeerUrlExist:
      return {"etcdserver: Peer URLs already exists", Code::FAILED_PRECONDITION, "PeerUrlExist"};
    case ServerError::kMemberNotEnoughStarted:
      return {"etcdserver: re-configuration failed due to not enough started members",
              Code::FAILED_PRECONDITION, "MemberNotEnoughStarted"};
    case ServerError::kMemberBadURLs:
      return {"etcdserver: given member URLs are invalid", Code::INVALID_ARGUMENT, "MemberBadURLs"};
    case ServerError::kMemberNotFound:
      return {"etcdserver: member not found", Code::NOT_FOUND, "MemberNotFound"};
    case ServerError::kMemberNotLearner:
      return {"etcdserver: can only promote a learner member", Code::FAILED_PRECONDITION,
              "MemberNotLearner"};
    case ServerError::kMemberLearnerNotReady:
      return {"etcdserver: can only promote a learner member which is in sync with leader",
              Code::FAILED_PRECONDITION, "MemberLearnerNotReady"};
    case ServerError::kTooManyLearners:
      return {"etcdserver: too many learner members in cluster", Code::FAILED_PRECONDITION,
              "TooManyLearners"};
    case ServerError::kClusterIdMismatch:
      return {"etcdserver: cluster ID mismatch", Code::FAILED_PRECONDITION, "ClusterIdMismatch"};
    case ServerError::kRequestTooLarge:
      return {"etcdserver: request is too large", Code::INVALID_ARGUMENT, "RequestTooLarge"};
    case ServerError::kTooManyRequests:
      return {"etcdserver: too many requests", Code::RESOURCE_EXHAUSTED, "TooManyRequests"};

    case ServerError::kRootUserNotExist:
      return {"etcdserver: root user does not exist", Code::FAILED_PRECONDITION,
              "RootUserNotExist"};
    case ServerError::kRootRoleNotExist:
      return {"etcdserver: root user does not have root role", Code::FAILED_PRECONDITION,
              "RootRoleNotExist"};
    case ServerError::kUserAlreadyExist:
      return {"etcdserver: user name already exists", Code::FAILED_PRECONDITION,
              "UserAlreadyExist"};
    case ServerError::kUserEmpty:
      return {"etcdserver: user name is empty", Code::INVALID_ARGUMENT, "UserEmpty"};
    case ServerError::kUserNotFound:
      return {"etcdserver: user name not found", Code::FAILED_PRECONDITION, "UserNotFound"};
    case ServerError::kRoleAlreadyExist:
      return {"etcdserver: role name already exists", Code::FAILED_PRECONDITION,
              "RoleAlreadyExist"};
    case ServerError::kRoleNotFound:
      return {"etcdserver: role name not found", Code::FAILED_PRECONDITION, "RoleNotFound"};
    case ServerError::kRoleEmpty:
      return {"etcdserver: role name is empty", Code::INVALID_ARGUMENT, "RoleEmpty"};
    case ServerError::kAuthFailed:
      return {"etcdserver: authentication failed, invalid user ID or password",
              Code::INVALID_ARGUMENT, "AuthFailed"};
    case ServerError::kPermissionNotGiven:
      return {"etcdserver: permission not given", Code::INVALID_ARGUMENT, "PermissionNotGiven"};
    case ServerError::kPermissionDenied:
      return {"etcdserver: permission denied", Code::PERMISSION_DENIED, "PermissionDenied"};
    case ServerError::kRoleNotGranted:
      return {"etcdserver: role is not granted to the user", Code::FAILED_PRECONDITION,
              "RoleNotGranted"};
    case ServerError::kPermissionNotGranted:
      return {"etcdserver: permission is not granted to the role", Code::FAILED_PRECONDITION,
              "PermissionNotGranted"};
    case ServerError::kAuthNotEnabled:
      return {"etcdserver: authentication is not enabled", Code::FAILED_PRECONDITION,
              "AuthNotEnabled"};
    case ServerError::kInvalidAuthToken:
      return {"etcdserver: invalid auth token", Code::UNAUTHENTICATED, "InvalidAuthToken"};
    case ServerError::kInvalidAuthMgmt:
      return {"etcdserver: invalid auth management", Code::INVALID_ARGUMENT, "InvalidAuthMgmt"};
    case ServerError::kAuthOldRevision:
      return {"etcdserver: revision of auth store is old", Code::INVALID_ARGUMENT,
              "AuthOldRevision"};

    case ServerError::kNoLeader:
      return {"etcdserver: no leader", Code::UNAVAILABLE, "NoLeader"};
    case ServerError::kNotLeader:
      return {"etcdserver: not leader", Code::FAILED_PRECONDITION, "NotLeader"};
    case ServerError::kLeaderChanged:
      return {"etcdserver: leader changed", Code::UNAVAILABLE, "LeaderChanged"};
    case ServerError::kNotCapable:
      return {"etcdserver: not capable", Code::UNAVAILABLE, "NotCapable"};
    case ServerError::kStopped:
      return {"etcdserver: server stopped", Code::UNAVAILABLE, "Stopped"};
    case ServerError::kTimeout:
      return {"etcdserver: request timed out", Code::UNAVAILABLE, "Timeout"};
    case ServerError::kTimeoutDueToLeaderFail:
      return {"etcdserver: request timed out, possibly due to previous leader failure",
              Code::UNAVAILABLE, "TimeoutDueToLeaderFail"};
    case ServerError::kTimeoutDueToConnectionLost:
      return {"etcdserver: request timed out, possibly due to connection lost", Code::UNAVAILABLE,
              "TimeoutDueToConnectionLost"};
    case ServerError::kTimeoutWaitAppliedIndex:
      return {"etcdserver: request timed out, waiting for the applied index took too long",
              Code::UNAVAILABLE, "TimeoutWaitAppliedIndex"};
    case ServerError::kUnhealthy:
      return {"etcdserver: unhealthy cluster", Code::UNAVAILABLE, "Unhealthy"};
    case ServerError::kCorrupt:
      return {"etcdserver: corrupt cluster", Code::DATA_LOSS, "Corrupt"};
    case ServerError::kNotSupportedForLearner:
      return {"etcdserver: rpc not supported for learner", Code::UNAVAILABLE,
              "NotSupportedForLearner"};
    case ServerError::kBadLeaderTransferee:
      return {"etcdserver: bad leader transferee", Code::FAILED_PRECONDITION,
              "BadLeaderTransferee"};

    case ServerError::kClusterVersionUnavailable:
      return {"etcdserver: cluster version not found during downgrade", Code::UNAVAILABLE,
              "ClusterVersionUnavailable"};
    case ServerError::kWrongDowngradeVersionFormat:
      return {"etcdserver: wrong downgrade target version format", Code::INVALID_ARGUMENT,
              "WrongDowngradeVersionFormat"};
    case ServerError::kInvalidDowngradeTargetVersion:
      return {"etcdserver: invalid downgrade target version", Code::INVALID_ARGUMENT,
              "InvalidDowngradeTargetVersion"};
    case ServerError::kDowngradeInProcess:
      return {"etcdserver: cluster has a downgrade job in progress", Code::FAILED_PRECONDITION,
              "DowngradeInProcess"};
    case ServerError::kNoInflightDowngrade:
      return {"etcdserver: no inflight downgrade job", Code::FAILED_PRECONDITION,
              "NoInflightDowngrade"};

    case ServerError::kCanceled:
      return {"etcdserver: request canceled", Code::CANCELLED, "Canceled"};
    case ServerError::kDeadlineExceeded:
      return {"etcdserver: context deadline exceeded", Code::DEADLINE_EXCEEDED, "DeadlineExceeded"};

    case ServerError::kElectionNotLeader:
      return {"election: not leader", Code::UNKNOWN, "ElectionNotLeader"};
    case ServerError::kElectionNoLeader:
      return {"election: no leader", Code::UNKNOWN, "ElectionNoLeader"};
    case ServerError::kElectionMissingLeaderKey:
      return {"\"leader\" field must be provided", Code::UNKNOWN, "ElectionMissingLeaderKey"};
    case ServerError::kLockSessionExpired:
      return {"mutex: session is expired", Code::UNKNOWN, "LockSessionExpired"};
  }
  // Only a value outside the enum (a cast from a bad integer) gets here.
  return {"chorus: unknown server error", Code::UNKNOWN, "Unknown"};
}

}  // namespace

grpc::Status to_grpc(kv::Error error) {
  return grpc::Status(code_from_name(kv::grpc_code_name(error)), kv::error_message(error));
}

const char* message(ServerError error) {
  return entry(error).message;
}

grpc::StatusCode grpc_code(ServerError error) {
  return entry(error).code;
}

grpc::Status to_grpc(ServerError error) {
  const Entry e = entry(error);
  return grpc::Status(e.code, e.message);
}

const char* to_string(ServerError error) {
  return entry(error).name;
}

}  // namespace chorus::convert
