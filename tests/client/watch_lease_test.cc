// Watch, lease and lock calls against a real etcd.
#include <gtest/gtest.h>

#include <thread>

#include "client/etcd_process.h"
#include "client/requests.h"

namespace chorus::client {
namespace {

using testing::EtcdTest;
using WatchLeaseTest = EtcdTest;

constexpr std::chrono::seconds kWatchDeadline{10};

etcdserverpb::PutRequest put_request(const std::string& key, const std::string& value,
                                     std::int64_t lease = 0) {
  PutOptions options;
  options.key = key;
  options.value = value;
  options.lease = lease;
  return make_put_request(options);
}

TEST_F(WatchLeaseTest, WatchSeesAWritersEventsInOrderWithPreviousValues) {
  etcdserverpb::WatchCreateRequest request;
  request.set_key(key(""));
  request.set_range_end(prefix_range_end(key("")));
  request.set_prev_kv(true);
  std::vector<std::string> seen;
  std::thread writer;
  Client writer_client(etcd_->options());
  const auto status = client_->watch(
      request,
      [&](const etcdserverpb::WatchResponse& response) {
        // The writer starts only once the watch exists, so no event can slip past it.
        if (response.created()) {
          writer = std::thread([&] {
            writer_client.put(put_request(key("a"), "1")).ok();
            writer_client.put(put_request(key("a"), "2")).ok();
            etcdserverpb::DeleteRangeRequest del;
            del.set_key(key("a"));
            writer_client.delete_range(del).ok();
          });
        }
        for (const auto& event : response.events()) {
          seen.push_back(
              (event.type() == mvccpb::Event::PUT ? "PUT " : "DELETE ") + event.kv().value() +
              " prev=" + (event.has_prev_kv() ? event.prev_kv().value() : std::string("-")));
        }
        return seen.size() < 3;
      },
      std::chrono::system_clock::now() + kWatchDeadline);
  if (writer.joinable()) writer.join();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(seen, (std::vector<std::string>{"PUT 1 prev=-", "PUT 2 prev=1", "DELETE  prev=2"}));
}

TEST_F(WatchLeaseTest, OneWatchStreamCarriesManyWatchersEachSeeingItsOwnRange) {
  auto opened = client_->open_watch_stream();
  ASSERT_TRUE(opened.ok()) << opened.error().error_message();
  WatchStream& stream = **opened;
  for (const char* name : {"x", "y"}) {
    etcdserverpb::WatchCreateRequest request;
    request.set_key(key(name));
    ASSERT_TRUE(stream.create(request));
  }
  // Both "created" responses come first, in order; the watch ids tell the watchers apart.
  std::vector<std::int64_t> ids;
  etcdserverpb::WatchResponse response;
  while (ids.size() < 2 && stream.read(response)) {
    ASSERT_TRUE(response.created());
    ids.push_back(response.watch_id());
  }
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_NE(ids[0], ids[1]);
  ASSERT_TRUE(client_->put(put_request(key("y"), "to-y")).ok());
  ASSERT_TRUE(client_->put(put_request(key("x"), "to-x")).ok());
  std::vector<std::string> seen;  // "watcher:value"
  while (seen.size() < 2 && stream.read(response)) {
    for (const auto& event : response.events()) {
      seen.push_back(std::to_string(response.watch_id() == ids[0] ? 0 : 1) + ":" +
                     event.kv().value());
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1:to-y", "0:to-x"}));
  stream.cancel();
  while (stream.read(response)) {
  }
  EXPECT_EQ(stream.finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(WatchLeaseTest, WatchEndsAtItsDeadlineWhenNothingHappens) {
  etcdserverpb::WatchCreateRequest request;
  request.set_key(key("quiet"));
  const auto start = std::chrono::steady_clock::now();
  const auto status = client_->watch(
      request, [](const etcdserverpb::WatchResponse&) { return true; },
      std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(WatchLeaseTest, WatchFromACompactedRevisionIsCanceled) {
  auto first = client_->put(put_request(key("k"), "1"));
  ASSERT_TRUE(first.ok());
  auto second = client_->put(put_request(key("k"), "2"));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(client_->compact(second->header().revision()).ok());
  etcdserverpb::WatchCreateRequest request;
  request.set_key(key("k"));
  request.set_start_revision(first->header().revision());
  bool saw_cancel = false;
  const auto status = client_->watch(
      request,
      [&](const etcdserverpb::WatchResponse& response) {
        saw_cancel = saw_cancel || response.canceled();
        return true;
      },
      std::chrono::system_clock::now() + kWatchDeadline);
  EXPECT_TRUE(saw_cancel);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "etcdserver: mvcc: required revision has been compacted");
}

TEST_F(WatchLeaseTest, LeaseLifecycleAndKeysAttachedToIt) {
  auto grant = client_->lease_grant(60);
  ASSERT_TRUE(grant.ok()) << grant.error().error_message();
  const auto id = grant->id();
  EXPECT_EQ(grant->ttl(), 60);
  ASSERT_TRUE(client_->put(put_request(key("leased"), "v", id)).ok());

  auto kept = client_->lease_keep_alive_once(id);
  ASSERT_TRUE(kept.ok()) << kept.error().error_message();
  EXPECT_EQ(kept->id(), id);
  EXPECT_EQ(kept->ttl(), 60);
  auto ttl = client_->lease_time_to_live(id, /*with_keys=*/true);
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->ttl(), 0);
  ASSERT_EQ(ttl->keys_size(), 1);
  EXPECT_EQ(ttl->keys(0), key("leased"));
  auto leases = client_->lease_leases();
  ASSERT_TRUE(leases.ok());
  bool listed = false;
  for (const auto& lease : leases->leases()) listed = listed || lease.id() == id;
  EXPECT_TRUE(listed);

  ASSERT_TRUE(client_->lease_revoke(id).ok());
  etcdserverpb::RangeRequest get;
  get.set_key(key("leased"));
  auto after = client_->range(get);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->kvs_size(), 0) << "revoking a lease deletes its keys";
  auto gone = client_->lease_keep_alive_once(id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().error_code(), grpc::StatusCode::NOT_FOUND);
  auto revoked_again = client_->lease_revoke(id);
  ASSERT_FALSE(revoked_again.ok());
  EXPECT_EQ(revoked_again.error().error_message(), "etcdserver: requested lease not found");
}

TEST_F(WatchLeaseTest, PutWithAnUnknownLeaseFails) {
  auto response = client_->put(put_request(key("k"), "v", 0x1234));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(response.error().error_message(), "etcdserver: requested lease not found");
}

TEST_F(WatchLeaseTest, LockIsHeldUntilUnlocked) {
  auto lease = client_->lease_grant(60);
  ASSERT_TRUE(lease.ok());
  auto held = client_->lock(key("mutex"), lease->id());
  ASSERT_TRUE(held.ok()) << held.error().error_message();
  EXPECT_TRUE(held->key().starts_with(key("mutex") + "/"));

  // A second locker waits; with a short deadline it gives up.
  ClientOptions impatient = etcd_->options();
  impatient.request_timeout = std::chrono::milliseconds(300);
  Client other(impatient);
  auto other_lease = client_->lease_grant(60);
  ASSERT_TRUE(other_lease.ok());
  auto blocked = other.lock(key("mutex"), other_lease->id());
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  ASSERT_TRUE(client_->unlock(held->key()).ok());
  auto second = client_->lock(key("mutex"), other_lease->id());
  ASSERT_TRUE(second.ok()) << second.error().error_message();
  ASSERT_TRUE(client_->unlock(second->key()).ok());
}

}  // namespace
}  // namespace chorus::client
