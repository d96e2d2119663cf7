#include "kv/error.h"

namespace chorus::kv {

const char* error_message(Error error) {
  switch (error) {
    case Error::kCompacted:
      return "etcdserver: mvcc: required revision has been compacted";
    case Error::kFutureRevision:
      return "etcdserver: mvcc: required revision is a future revision";
    case Error::kKeyNotFound:
      return "etcdserver: key not found";
    case Error::kEmptyKey:
      return "etcdserver: key is not provided";
    case Error::kValueProvided:
      return "etcdserver: value is provided";
    case Error::kLeaseProvided:
      return "etcdserver: lease is provided";
    case Error::kLeaseNotFound:
      return "etcdserver: requested lease not found";
    case Error::kLeaseExist:
      return "etcdserver: lease already exists";
    case Error::kLeaseTtlTooLarge:
      return "etcdserver: too large lease TTL";
    case Error::kTooManyOps:
      return "etcdserver: too many operations in txn request";
    case Error::kDuplicateKey:
      return "etcdserver: duplicate key given in txn request";
    case Error::kCorruptSnapshot:
      return "chorus: kv: snapshot is corrupt";
  }
  return "chorus: kv: unknown error";
}

const char* grpc_code_name(Error error) {
  switch (error) {
    case Error::kCompacted:
    case Error::kFutureRevision:
    case Error::kLeaseTtlTooLarge:
      return "OUT_OF_RANGE";
    case Error::kKeyNotFound:
    case Error::kEmptyKey:
    case Error::kValueProvided:
    case Error::kLeaseProvided:
    case Error::kTooManyOps:
    case Error::kDuplicateKey:
      return "INVALID_ARGUMENT";
    case Error::kLeaseNotFound:
      return "NOT_FOUND";
    case Error::kLeaseExist:
      return "FAILED_PRECONDITION";
    case Error::kCorruptSnapshot:
      return "DATA_LOSS";
  }
  return "UNKNOWN";
}

const char* to_string(Error error) {
  switch (error) {
    case Error::kCompacted:
      return "Compacted";
    case Error::kFutureRevision:
      return "FutureRevision";
    case Error::kKeyNotFound:
      return "KeyNotFound";
    case Error::kEmptyKey:
      return "EmptyKey";
    case Error::kValueProvided:
      return "ValueProvided";
    case Error::kLeaseProvided:
      return "LeaseProvided";
    case Error::kLeaseNotFound:
      return "LeaseNotFound";
    case Error::kLeaseExist:
      return "LeaseExist";
    case Error::kLeaseTtlTooLarge:
      return "LeaseTtlTooLarge";
    case Error::kTooManyOps:
      return "TooManyOps";
    case Error::kDuplicateKey:
      return "DuplicateKey";
    case Error::kCorruptSnapshot:
      return "CorruptSnapshot";
  }
  return "Unknown";
}

}  // namespace chorus::kv
