#include "net/hello.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace chorus::net {
namespace {

const std::set<uint64_t> kPeers = {2, 3};

HelloExpectation expectation() {
  return {/*cluster_id=*/42, /*self_id=*/1, [](uint64_t id) { return kPeers.contains(id); }};
}

TEST(Hello, RoundTrips) {
  const Hello hello{42, 2, 1};
  const std::string bytes = encode_hello(hello);
  EXPECT_EQ(bytes.size(), kHelloBytes);
  EXPECT_EQ(bytes.substr(0, kHelloMagic.size()), kHelloMagic);
  const ParsedHello parsed = parse_hello(bytes);
  ASSERT_TRUE(parsed.hello.has_value()) << parsed.error;
  EXPECT_EQ(*parsed.hello, hello);
}

TEST(Hello, RefusesWrongMagicAndWrongSize) {
  std::string bytes = encode_hello({42, 2, 1});
  std::string other_version = bytes;
  other_version[kHelloMagic.size() - 1] = '2';  // "chorus-peer/2"
  EXPECT_FALSE(parse_hello(other_version).hello.has_value());
  EXPECT_NE(parse_hello(other_version).error.find("magic"), std::string::npos);
  EXPECT_FALSE(parse_hello(bytes.substr(0, bytes.size() - 1)).hello.has_value());
  EXPECT_FALSE(parse_hello(bytes + "x").hello.has_value());
  EXPECT_FALSE(parse_hello("").hello.has_value());
  EXPECT_FALSE(parse_hello("GET / HTTP/1.1\r\nHost: x\r\n\r\n").hello.has_value());
}

TEST(Hello, AcceptsAPeerOfOurClusterCallingUs) {
  EXPECT_EQ(hello_refusal({42, 2, 1}, expectation()), std::nullopt);
  EXPECT_EQ(hello_refusal({42, 3, 1}, expectation()), std::nullopt);
}

TEST(Hello, RefusesAnotherCluster) {
  const auto refusal = hello_refusal({43, 2, 1}, expectation());
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("cluster id 43"), std::string::npos);
}

TEST(Hello, RefusesAHelloAddressedToAnotherMember) {
  const auto refusal = hello_refusal({42, 2, 3}, expectation());
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("addressed to member 3"), std::string::npos);
}

TEST(Hello, RefusesSendersOutsideThePeerSet) {
  EXPECT_TRUE(hello_refusal({42, 4, 1}, expectation()).has_value());
  EXPECT_TRUE(hello_refusal({42, 0, 1}, expectation()).has_value());
  EXPECT_TRUE(hello_refusal({42, 1, 1}, expectation()).has_value());  // ourselves
  HelloExpectation without_peer_set = expectation();
  without_peer_set.is_peer = nullptr;
  EXPECT_TRUE(hello_refusal({42, 2, 1}, without_peer_set).has_value());
}

}  // namespace
}  // namespace chorus::net
