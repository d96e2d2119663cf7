// etcd's error table. Messages are compared with literal strings copied from etcd v3.5.33
// (api/v3rpc/rpctypes/error.go, client/v3/concurrency, server/etcdserver/api/v3election):
// clientv3 maps a status back to its error by the message, so a single changed byte breaks it.
#include "convert/errors.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace chorus::convert {
namespace {

ServerError nth(size_t i) {
  return static_cast<ServerError>(i);
}

TEST(ServerErrors, EveryErrorHasADistinctNonEmptyMessageAndName) {
  std::set<std::string> messages;
  std::set<std::string> names;
  for (size_t i = 0; i < kServerErrorCount; ++i) {
    const std::string text = message(nth(i));
    const std::string name = to_string(nth(i));
    EXPECT_FALSE(text.empty()) << i;
    EXPECT_FALSE(name.empty()) << i;
    EXPECT_NE(name, "Unknown") << i << " has no entry";
    EXPECT_TRUE(messages.insert(text).second) << "duplicate message: " << text;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name: " << name;
    const grpc::Status status = to_grpc(nth(i));
    EXPECT_FALSE(status.ok()) << name;
    EXPECT_EQ(status.error_message(), text);
    EXPECT_EQ(status.error_code(), grpc_code(nth(i)));
  }
  EXPECT_EQ(messages.size(), kServerErrorCount);
}

TEST(ServerErrors, MessagesFromEtcdsTable) {
  const struct {
    ServerError error;
    const char* text;
    grpc::StatusCode code;
  } table[] = {
      {ServerError::kNoLeader, "etcdserver: no leader", grpc::StatusCode::UNAVAILABLE},
      {ServerError::kNotLeader, "etcdserver: not leader", grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kLeaderChanged, "etcdserver: leader changed", grpc::StatusCode::UNAVAILABLE},
      {ServerError::kStopped, "etcdserver: server stopped", grpc::StatusCode::UNAVAILABLE},
      {ServerError::kTimeout, "etcdserver: request timed out", grpc::StatusCode::UNAVAILABLE},
      {ServerError::kTimeoutDueToLeaderFail,
       "etcdserver: request timed out, possibly due to previous leader failure",
       grpc::StatusCode::UNAVAILABLE},
      {ServerError::kTimeoutDueToConnectionLost,
       "etcdserver: request timed out, possibly due to connection lost",
       grpc::StatusCode::UNAVAILABLE},
      {ServerError::kUnhealthy, "etcdserver: unhealthy cluster", grpc::StatusCode::UNAVAILABLE},
      {ServerError::kRequestTooLarge, "etcdserver: request is too large",
       grpc::StatusCode::INVALID_ARGUMENT},
      {ServerError::kNoSpace, "etcdserver: mvcc: database space exceeded",
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {ServerError::kTooManyRequests, "etcdserver: too many requests",
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {ServerError::kMemberNotFound, "etcdserver: member not found", grpc::StatusCode::NOT_FOUND},
      {ServerError::kMemberExist, "etcdserver: member ID already exist",
       grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kPeerUrlExist, "etcdserver: Peer URLs already exists",
       grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kMemberLearnerNotReady,
       "etcdserver: can only promote a learner member which is in sync with leader",
       grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kMemberNotLearner, "etcdserver: can only promote a learner member",
       grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kTooManyLearners, "etcdserver: too many learner members in cluster",
       grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kLeaseNotFound, "etcdserver: requested lease not found",
       grpc::StatusCode::NOT_FOUND},
      {ServerError::kLeaseTtlTooLarge, "etcdserver: too large lease TTL",
       grpc::StatusCode::OUT_OF_RANGE},
      {ServerError::kAuthNotEnabled, "etcdserver: authentication is not enabled",
       grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kPermissionDenied, "etcdserver: permission denied",
       grpc::StatusCode::PERMISSION_DENIED},
      {ServerError::kInvalidAuthToken, "etcdserver: invalid auth token",
       grpc::StatusCode::UNAUTHENTICATED},
      {ServerError::kAuthFailed, "etcdserver: authentication failed, invalid user ID or password",
       grpc::StatusCode::INVALID_ARGUMENT},
      {ServerError::kAuthOldRevision, "etcdserver: revision of auth store is old",
       grpc::StatusCode::INVALID_ARGUMENT},
      {ServerError::kNotCapable, "etcdserver: not capable", grpc::StatusCode::UNAVAILABLE},
      {ServerError::kEmptyKey, "etcdserver: key is not provided",
       grpc::StatusCode::INVALID_ARGUMENT},
      {ServerError::kCorrupt, "etcdserver: corrupt cluster", grpc::StatusCode::DATA_LOSS},
      {ServerError::kBadLeaderTransferee, "etcdserver: bad leader transferee",
       grpc::StatusCode::FAILED_PRECONDITION},
      {ServerError::kNotSupportedForLearner, "etcdserver: rpc not supported for learner",
       grpc::StatusCode::UNAVAILABLE},
      {ServerError::kCompacted, "etcdserver: mvcc: required revision has been compacted",
       grpc::StatusCode::OUT_OF_RANGE},
      {ServerError::kFutureRev, "etcdserver: mvcc: required revision is a future revision",
       grpc::StatusCode::OUT_OF_RANGE},
      {ServerError::kWatchCanceled, "etcdserver: watch canceled", grpc::StatusCode::CANCELLED},
      {ServerError::kCanceled, "etcdserver: request canceled", grpc::StatusCode::CANCELLED},
      {ServerError::kDeadlineExceeded, "etcdserver: context deadline exceeded",
       grpc::StatusCode::DEADLINE_EXCEEDED},
      // Lock and Election: plain Go errors, which grpc-go sends as UNKNOWN.
      {ServerError::kElectionNotLeader, "election: not leader", grpc::StatusCode::UNKNOWN},
      {ServerError::kElectionNoLeader, "election: no leader", grpc::StatusCode::UNKNOWN},
      {ServerError::kElectionMissingLeaderKey, "\"leader\" field must be provided",
       grpc::StatusCode::UNKNOWN},
      {ServerError::kLockSessionExpired, "mutex: session is expired", grpc::StatusCode::UNKNOWN},
  };
  for (const auto& row : table) {
    EXPECT_STREQ(message(row.error), row.text) << to_string(row.error);
    EXPECT_EQ(grpc_code(row.error), row.code) << to_string(row.error);
    const grpc::Status status = to_grpc(row.error);
    EXPECT_EQ(status.error_code(), row.code) << to_string(row.error);
    EXPECT_EQ(status.error_message(), row.text);
  }
}

TEST(ServerErrors, ShortNamesForLogs) {
  EXPECT_STREQ(to_string(ServerError::kNoLeader), "NoLeader");
  EXPECT_STREQ(to_string(ServerError::kTimeoutDueToLeaderFail), "TimeoutDueToLeaderFail");
  EXPECT_STREQ(to_string(ServerError::kElectionNotLeader), "ElectionNotLeader");
}

TEST(ServerErrors, AnElectionWithAnExpiredSessionAnswersAsEtcdDoes) {
  // etcd's Campaign/Proclaim fail on the put with the session's lease: "lease not found".
  EXPECT_EQ(ServerError::kElectionSessionExpired, ServerError::kLeaseNotFound);
  EXPECT_STREQ(message(ServerError::kElectionSessionExpired),
               "etcdserver: requested lease not found");
  EXPECT_EQ(grpc_code(ServerError::kElectionSessionExpired), grpc::StatusCode::NOT_FOUND);
}

TEST(ServerErrors, AValueOutsideTheEnumIsReportedNotUndefined) {
  const ServerError bogus = static_cast<ServerError>(kServerErrorCount + 5);
  EXPECT_STREQ(to_string(bogus), "Unknown");
  EXPECT_EQ(grpc_code(bogus), grpc::StatusCode::UNKNOWN);
  EXPECT_FALSE(std::string(message(bogus)).empty());
}

TEST(KvErrors, EveryStoreErrorKeepsEtcdsMessageAndCode) {
  const struct {
    kv::Error error;
    const char* text;
    grpc::StatusCode code;
  } table[] = {
      {kv::Error::kCompacted, "etcdserver: mvcc: required revision has been compacted",
       grpc::StatusCode::OUT_OF_RANGE},
      {kv::Error::kFutureRevision, "etcdserver: mvcc: required revision is a future revision",
       grpc::StatusCode::OUT_OF_RANGE},
      {kv::Error::kKeyNotFound, "etcdserver: key not found", grpc::StatusCode::INVALID_ARGUMENT},
      {kv::Error::kEmptyKey, "etcdserver: key is not provided", grpc::StatusCode::INVALID_ARGUMENT},
      {kv::Error::kValueProvided, "etcdserver: value is provided",
       grpc::StatusCode::INVALID_ARGUMENT},
      {kv::Error::kLeaseProvided, "etcdserver: lease is provided",
       grpc::StatusCode::INVALID_ARGUMENT},
      {kv::Error::kLeaseNotFound, "etcdserver: requested lease not found",
       grpc::StatusCode::NOT_FOUND},
      {kv::Error::kLeaseExist, "etcdserver: lease already exists",
       grpc::StatusCode::FAILED_PRECONDITION},
      {kv::Error::kLeaseTtlTooLarge, "etcdserver: too large lease TTL",
       grpc::StatusCode::OUT_OF_RANGE},
      {kv::Error::kTooManyOps, "etcdserver: too many operations in txn request",
       grpc::StatusCode::INVALID_ARGUMENT},
      {kv::Error::kDuplicateKey, "etcdserver: duplicate key given in txn request",
       grpc::StatusCode::INVALID_ARGUMENT},
      {kv::Error::kCorruptSnapshot, "chorus: kv: snapshot is corrupt", grpc::StatusCode::DATA_LOSS},
  };
  for (const auto& row : table) {
    const grpc::Status status = to_grpc(row.error);
    EXPECT_EQ(status.error_code(), row.code) << kv::to_string(row.error);
    EXPECT_EQ(status.error_message(), row.text) << kv::to_string(row.error);
  }
}

TEST(KvErrors, AgreeWithTheServerTableWhereBothHaveTheError) {
  const std::pair<kv::Error, ServerError> pairs[] = {
      {kv::Error::kCompacted, ServerError::kCompacted},
      {kv::Error::kFutureRevision, ServerError::kFutureRev},
      {kv::Error::kKeyNotFound, ServerError::kKeyNotFound},
      {kv::Error::kEmptyKey, ServerError::kEmptyKey},
      {kv::Error::kValueProvided, ServerError::kValueProvided},
      {kv::Error::kLeaseProvided, ServerError::kLeaseProvided},
      {kv::Error::kLeaseNotFound, ServerError::kLeaseNotFound},
      {kv::Error::kLeaseExist, ServerError::kLeaseExist},
      {kv::Error::kLeaseTtlTooLarge, ServerError::kLeaseTtlTooLarge},
      {kv::Error::kTooManyOps, ServerError::kTooManyOps},
      {kv::Error::kDuplicateKey, ServerError::kDuplicateKey},
  };
  for (const auto& [store_error, server_error] : pairs) {
    const grpc::Status a = to_grpc(store_error);
    const grpc::Status b = to_grpc(server_error);
    EXPECT_EQ(a.error_code(), b.error_code()) << to_string(server_error);
    EXPECT_EQ(a.error_message(), b.error_message()) << to_string(server_error);
  }
}

}  // namespace
}  // namespace chorus::convert
