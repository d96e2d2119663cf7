// Errors a caller of the MVCC store must handle, as values (STYLE.md habit 6).
//
// Each error that etcd also has carries etcd's exact message (api/v3rpc/rpctypes/error.go):
// clientv3 recognises errors by that text, so the server must send it unchanged. The gRPC status
// code for each is the server's business; grpc_code_name() records etcd's choice so the mapping
// lives next to the message.
#pragma once

#include <optional>

#include "base/result.h"

namespace chorus::kv {

enum class Error {
  kCompacted,         // the requested revision is below the compaction point
  kFutureRevision,    // the requested revision is above the current revision
  kKeyNotFound,       // ignore_value/ignore_lease on a missing key; an empty RequestOp
  kEmptyKey,          // a request or compare without a key
  kValueProvided,     // ignore_value together with a value
  kLeaseProvided,     // ignore_lease together with a lease
  kLeaseNotFound,     // a put or revoke names a lease that does not exist (or lease id 0)
  kLeaseExist,        // grant of an id already in use
  kLeaseTtlTooLarge,  // grant with a TTL above kLeaseTtlMaxSeconds
  kTooManyOps,        // a txn with more operations than the configured bound
  kDuplicateKey,      // a txn writes one key twice (etcd's checkIntervals rules)
  kCorruptSnapshot,   // Chorus only: a snapshot that fails its checksum or does not parse
};

// etcd's exact message, e.g. "etcdserver: mvcc: required revision has been compacted".
const char* error_message(Error error);
// The gRPC status code etcd sends with the message, as its canonical name ("OUT_OF_RANGE").
const char* grpc_code_name(Error error);
// A short stable identifier for logs and test output ("Compacted").
const char* to_string(Error error);

template <typename T>
using Result = base::Result<T, Error>;

// The outcome of a check that produces nothing: nullopt when it passed.
using Check = std::optional<Error>;

}  // namespace chorus::kv
