// Endpoint choice, membership and maintenance against a real etcd.
#include <gtest/gtest.h>

#include "client/etcd_process.h"

namespace chorus::client {
namespace {

using testing::EtcdTest;
using testing::free_loopback_port;
using ClusterTest = EtcdTest;

std::string unreachable_endpoint() {
  return "127.0.0.1:" + std::to_string(free_loopback_port());
}

TEST_F(ClusterTest, AnUnreachableFirstEndpointFallsOverToTheSecond) {
  ClientOptions options = etcd_->options();
  options.endpoints = {unreachable_endpoint(), "http://" + etcd_->endpoint()};
  Client client(options);
  const auto start = std::chrono::steady_clock::now();
  etcdserverpb::RangeRequest request;
  request.set_key(key("k"));
  auto response = client.range(request);
  ASSERT_TRUE(response.ok()) << response.error().error_message();
  // A refused connection is given up at once, not after the dial timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, options.dial_timeout);
  auto status = client.status();
  EXPECT_TRUE(status.ok());
}

TEST_F(ClusterTest, NoReachableEndpointIsUnavailableWithinTheDialTimeouts) {
  ClientOptions options = etcd_->options();
  options.endpoints = {unreachable_endpoint(), unreachable_endpoint()};
  options.dial_timeout = std::chrono::milliseconds(500);
  Client client(options);
  const auto start = std::chrono::steady_clock::now();
  etcdserverpb::RangeRequest request;
  request.set_key(key("k"));
  auto response = client.range(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            2 * options.dial_timeout + std::chrono::seconds(1));
}

TEST_F(ClusterTest, StatusAtNamesTheEndpointItAsked) {
  ClientOptions options = etcd_->options();
  options.endpoints = {etcd_->endpoint(), unreachable_endpoint()};
  Client client(options);
  auto first = client.status_at(0);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->leader(), first->header().member_id()) << "a single member leads";
  EXPECT_GT(first->dbsize(), 0);
  auto second = client.status_at(1);
  ASSERT_FALSE(second.ok()) << "status_at must not fall over to another endpoint";
  EXPECT_EQ(second.error().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ClusterTest, LearnerCanBeAddedListedUpdatedAndRemoved) {
  auto added = client_->member_add({"http://127.0.0.1:1"}, /*is_learner=*/true);
  ASSERT_TRUE(added.ok()) << added.error().error_message();
  const auto id = added->member().id();
  EXPECT_TRUE(added->member().islearner());
  auto listed = client_->member_list();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->members_size(), 2);
  auto promoted = client_->member_promote(id);
  ASSERT_FALSE(promoted.ok()) << "a learner that never started is not in sync";
  EXPECT_EQ(promoted.error().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(client_->member_update(id, {"http://127.0.0.1:2"}).ok());
  ASSERT_TRUE(client_->member_remove(id).ok());
  auto removed_again = client_->member_remove(id);
  ASSERT_FALSE(removed_again.ok());
  EXPECT_EQ(removed_again.error().error_message(), "etcdserver: member not found");
}

TEST_F(ClusterTest, MoveLeaderFindsTheLeaderAndRefusesAnUnknownTarget) {
  auto status = client_->status();
  ASSERT_TRUE(status.ok());
  auto to_self = client_->move_leader(status->leader());
  ASSERT_TRUE(to_self.ok()) << to_self.error().error_message();
  EXPECT_EQ(to_self->header().member_id(), status->leader()) << "the member that handed over";
  auto to_nobody = client_->move_leader(0x1234);
  ASSERT_FALSE(to_nobody.ok());
  EXPECT_EQ(to_nobody.error().error_message(), "etcdserver: bad leader transferee");
}

TEST_F(ClusterTest, HashKvAlarmAndDefragmentAnswer) {
  auto hash = client_->hash_kv();
  ASSERT_TRUE(hash.ok()) << hash.error().error_message();
  etcdserverpb::AlarmRequest alarm;
  alarm.set_action(etcdserverpb::AlarmRequest::GET);
  auto alarms = client_->alarm(alarm);
  ASSERT_TRUE(alarms.ok());
  EXPECT_EQ(alarms->alarms_size(), 0);
  EXPECT_TRUE(client_->defragment().ok());
}

}  // namespace
}  // namespace chorus::client
