// etcdctl's txn language and output formats, without a server.
#include "client/txn_syntax.h"

#include <gtest/gtest.h>

#include <sstream>

#include "client/etcdctl_format.h"
#include "client/requests.h"

namespace chorus::client {
namespace {

TEST(TxnSyntax, ReadsComparesThenSuccessThenFailure) {
  std::istringstream input(
      "value(\"a\") = \"1\"\nmod(\"b\") > \"3\"\n\nput x \"hello world\"\nget --prefix p\n\n"
      "del --prev-kv y\n\n");
  auto txn = parse_txn(input);
  ASSERT_TRUE(txn.ok()) << txn.error().error_message();
  ASSERT_EQ(txn->compare_size(), 2);
  EXPECT_EQ(txn->compare(0).target(), etcdserverpb::Compare::VALUE);
  EXPECT_EQ(txn->compare(0).value(), "1");
  EXPECT_EQ(txn->compare(1).result(), etcdserverpb::Compare::GREATER);
  EXPECT_EQ(txn->compare(1).mod_revision(), 3);
  ASSERT_EQ(txn->success_size(), 2);
  EXPECT_EQ(txn->success(0).request_put().value(), "hello world");
  EXPECT_EQ(txn->success(1).request_range().range_end(), "q");
  ASSERT_EQ(txn->failure_size(), 1);
  EXPECT_TRUE(txn->failure(0).request_delete_range().prev_kv());
}

TEST(TxnSyntax, RejectsWhatEtcdctlRejectsWithItsWording) {
  EXPECT_EQ(parse_compare("foo").error().error_message(), "malformed comparison: foo");
  EXPECT_EQ(parse_compare("value(\"a\") = 1").error().error_message(),
            "malformed comparison: value(\"a\") = 1");
  EXPECT_EQ(parse_compare("create(\"a\") = \"x\"").error().error_message(),
            "invalid txn compare request: create(\"a\") = \"x\"");
  EXPECT_EQ(parse_operation("badop a").error().error_message(), "invalid txn request: badop a");
  EXPECT_FALSE(parse_operation("put onlykey").ok());
}

TEST(Requests, PrefixEndIncrementsTheLastByteBelow0xff) {
  EXPECT_EQ(prefix_range_end("ab"), "ac");
  EXPECT_EQ(prefix_range_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_range_end(""), std::string(1, '\0'));
}

TEST(Format, HumanBytesLikeGoHumanize) {
  EXPECT_EQ(format::human_bytes(9), "9 B");
  EXPECT_EQ(format::human_bytes(20480), "20 kB");
  EXPECT_EQ(format::human_bytes(1'500'000), "1.5 MB");
}

TEST(Format, TxnPrintsTheBranchThenEachResponseAfterABlankLine) {
  etcdserverpb::TxnResponse response;
  response.set_succeeded(true);
  response.add_responses()->mutable_response_put();
  auto* kv = response.add_responses()->mutable_response_range()->add_kvs();
  kv->set_key("a");
  kv->set_value("1");
  response.add_responses()->mutable_response_delete_range()->set_deleted(0);
  EXPECT_EQ(format::simple_txn(response), "SUCCESS\n\nOK\n\na\n1\n\n0\n");
}

}  // namespace
}  // namespace chorus::client
