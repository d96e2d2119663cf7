// Error messages: clientv3 recognises errors by their exact text, so these strings are part of
// the wire contract (etcd api/v3rpc/rpctypes/error.go).
#include "kv/error.h"

#include <gtest/gtest.h>

namespace chorus::kv {
namespace {

TEST(ErrorTest, MessagesAreEtcdsExactStrings) {
  EXPECT_STREQ(error_message(Error::kCompacted),
               "etcdserver: mvcc: required revision has been compacted");
  EXPECT_STREQ(error_message(Error::kFutureRevision),
               "etcdserver: mvcc: required revision is a future revision");
  EXPECT_STREQ(error_message(Error::kKeyNotFound), "etcdserver: key not found");
  EXPECT_STREQ(error_message(Error::kEmptyKey), "etcdserver: key is not provided");
  EXPECT_STREQ(error_message(Error::kValueProvided), "etcdserver: value is provided");
  EXPECT_STREQ(error_message(Error::kLeaseProvided), "etcdserver: lease is provided");
  EXPECT_STREQ(error_message(Error::kLeaseNotFound), "etcdserver: requested lease not found");
  EXPECT_STREQ(error_message(Error::kLeaseExist), "etcdserver: lease already exists");
  EXPECT_STREQ(error_message(Error::kLeaseTtlTooLarge), "etcdserver: too large lease TTL");
  EXPECT_STREQ(error_message(Error::kTooManyOps), "etcdserver: too many operations in txn request");
  EXPECT_STREQ(error_message(Error::kDuplicateKey),
               "etcdserver: duplicate key given in txn request");
}

TEST(ErrorTest, GrpcCodesAreEtcds) {
  EXPECT_STREQ(grpc_code_name(Error::kCompacted), "OUT_OF_RANGE");
  EXPECT_STREQ(grpc_code_name(Error::kFutureRevision), "OUT_OF_RANGE");
  EXPECT_STREQ(grpc_code_name(Error::kLeaseTtlTooLarge), "OUT_OF_RANGE");
  EXPECT_STREQ(grpc_code_name(Error::kKeyNotFound), "INVALID_ARGUMENT");
  EXPECT_STREQ(grpc_code_name(Error::kTooManyOps), "INVALID_ARGUMENT");
  EXPECT_STREQ(grpc_code_name(Error::kDuplicateKey), "INVALID_ARGUMENT");
  EXPECT_STREQ(grpc_code_name(Error::kLeaseNotFound), "NOT_FOUND");
  EXPECT_STREQ(grpc_code_name(Error::kLeaseExist), "FAILED_PRECONDITION");
}

TEST(ErrorTest, ResultHoldsAValueOrAnError) {
  Result<int> good = 3;
  Result<int> bad = Error::kEmptyKey;
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), Error::kEmptyKey);
  EXPECT_STREQ(to_string(bad.error()), "EmptyKey");
}

}  // namespace
}  // namespace chorus::kv
