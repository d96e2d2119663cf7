// Leases survive a leader change (etcd #15247): the new leader gives every lease a full TTL from
// its election instead of revoking the ones whose deadline it cannot know; keep-alives sent to
// any member reach the new leader; and a lease nobody keeps alive still expires.
#include <gtest/gtest.h>

#include <thread>

#include "integration/cluster.h"

namespace chorus::testing {
namespace {

bool key_present(Cluster& cluster, size_t index, const std::string& key) {
  auto data = read_prefix(cluster, index, key, /*serializable=*/false);
  return data && data->contains(key);
}

TEST(LeaseFailover, LeaseOutlivesLeaderChangeAndStillExpires) {
  Cluster cluster(ClusterOptions{});
  ASSERT_TRUE(cluster.start());
  auto leader = cluster.wait_for_leader(std::chrono::seconds(20));
  ASSERT_TRUE(leader.has_value());
  const size_t follower = (*leader + 1) % cluster.size();

  auto channel = member_channel(cluster.member(follower).endpoint());
  auto lease = etcdserverpb::Lease::NewStub(channel);
  etcdserverpb::LeaseGrantRequest grant;
  grant.set_ttl(4);
  etcdserverpb::LeaseGrantResponse granted;
  auto grant_context = deadline_context(5000);
  ASSERT_TRUE(lease->LeaseGrant(grant_context.get(), grant, &granted).ok());
  etcdserverpb::PutRequest put;
  put.set_key("session/owner");
  put.set_value("me");
  put.set_lease(granted.id());
  etcdserverpb::PutResponse put_response;
  auto put_context = deadline_context(5000);
  ASSERT_TRUE(cluster.kv(follower).Put(put_context.get(), put, &put_response).ok());

  // Kill the leader; keep the lease alive through the follower the whole time.
  cluster.kill(*leader);
  const auto keep_until = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  int renewed = 0;
  while (std::chrono::steady_clock::now() < keep_until) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    auto stream = lease->LeaseKeepAlive(&context);
    etcdserverpb::LeaseKeepAliveRequest request;
    request.set_id(granted.id());
    etcdserverpb::LeaseKeepAliveResponse response;
    if (stream->Write(request) && stream->Read(&response) && response.ttl() > 0) ++renewed;
    stream->WritesDone();
    context.TryCancel();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_GT(renewed, 8) << "keep-alives did not reach the new leader";
  // 8 s > 2 TTLs after the leader died: only the keep-alives kept the key.
  EXPECT_TRUE(key_present(cluster, follower, "session/owner"));

  // Stop renewing: the new leader revokes the lease within a TTL or so.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() < deadline) {
    gone = !key_present(cluster, follower, "session/owner");
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(gone) << "an abandoned lease never expired";
}

}  // namespace
}  // namespace chorus::testing
