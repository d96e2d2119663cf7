// chorus::client::Client: a small synchronous etcd v3 client on the generated gRPC stubs.
//
// Every method is one call (or one short stream) with a deadline of options.request_timeout,
// sent to the endpoint Endpoints chooses; it returns the response proto or the grpc::Status.
// Methods that only read fall over to the next endpoint when one is UNAVAILABLE; methods that
// write do not, because an UNAVAILABLE write may have been applied before the connection broke
// (etcd's own client retries only what is safe to repeat). They do mark the endpoint failed, so
// the caller's retry goes elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/etcdserverpb/rpc.pb.h"
#include "client/endpoints.h"
#include "client/options.h"
#include "client/result.h"
#include "server/v3lock/v3lockpb/v3lock.pb.h"

namespace grpc {
class ClientContext;
}

namespace chorus::client {

// Named bool (STYLE.md): may this call be sent again to another endpoint after UNAVAILABLE?
enum class Idempotent : bool { no = false, yes = true };

// Called for every WatchResponse (the "created" one first); return false to stop watching.
using WatchCallback = std::function<bool(const etcdserverpb::WatchResponse&)>;

class Client {
 public:
  explicit Client(ClientOptions options);

  const ClientOptions& options() const { return options_; }
  std::size_t endpoint_count() const { return endpoints_.size(); }
  const std::string& endpoint(std::size_t index) const { return endpoints_.address(index); }

  // KV (kv.cc)
  Result<etcdserverpb::RangeResponse> range(const etcdserverpb::RangeRequest& request);
  Result<etcdserverpb::PutResponse> put(const etcdserverpb::PutRequest& request);
  Result<etcdserverpb::DeleteRangeResponse> delete_range(
      const etcdserverpb::DeleteRangeRequest& request);
  Result<etcdserverpb::TxnResponse> txn(const etcdserverpb::TxnRequest& request);
  Result<etcdserverpb::CompactionResponse> compact(std::int64_t revision, bool physical = false);

  // Watch (watch.cc): blocks, calling on_response per response, until it returns false (OK),
  // the deadline passes (DEADLINE_EXCEEDED), the server cancels the watch (the canceled response
  // is delivered, then CANCELLED with etcd's cancel_reason), or the stream fails.
  grpc::Status watch(const etcdserverpb::WatchCreateRequest& request,
                     const WatchCallback& on_response,
                     std::optional<std::chrono::system_clock::time_point> deadline = std::nullopt);

  // Lease (lease.cc)
  Result<etcdserverpb::LeaseGrantResponse> lease_grant(std::int64_t ttl_seconds,
                                                       std::int64_t id = 0);
  Result<etcdserverpb::LeaseRevokeResponse> lease_revoke(std::int64_t id);
  Result<etcdserverpb::LeaseKeepAliveResponse> lease_keep_alive_once(std::int64_t id);
  Result<etcdserverpb::LeaseTimeToLiveResponse> lease_time_to_live(std::int64_t id,
                                                                   bool with_keys = false);
  Result<etcdserverpb::LeaseLeasesResponse> lease_leases();

  // Cluster (cluster.cc)
  Result<etcdserverpb::MemberListResponse> member_list(bool linearizable = false);
  Result<etcdserverpb::MemberAddResponse> member_add(const std::vector<std::string>& peer_urls,
                                                     bool is_learner = false);
  Result<etcdserverpb::MemberRemoveResponse> member_remove(std::uint64_t id);
  Result<etcdserverpb::MemberPromoteResponse> member_promote(std::uint64_t id);
  Result<etcdserverpb::MemberUpdateResponse> member_update(
      std::uint64_t id, const std::vector<std::string>& peer_urls);

  // Maintenance (maintenance.cc)
  Result<etcdserverpb::StatusResponse> status();
  // The status of one endpoint, never another (cluster status prints one line per endpoint).
  Result<etcdserverpb::StatusResponse> status_at(std::size_t endpoint_index);
  Result<etcdserverpb::HashKVResponse> hash_kv(std::int64_t revision = 0);
  // Asks the leader (found by asking each endpoint's status) to hand leadership to `target_id`.
  Result<etcdserverpb::MoveLeaderResponse> move_leader(std::uint64_t target_id);
  Result<etcdserverpb::AlarmResponse> alarm(const etcdserverpb::AlarmRequest& request);
  Result<etcdserverpb::DefragmentResponse> defragment();

  // Lock (lock.cc): blocks until held or the request timeout; the lock lives as long as `lease`.
  Result<v3lockpb::LockResponse> lock(const std::string& name, std::int64_t lease);
  Result<v3lockpb::UnlockResponse> unlock(const std::string& key);

 private:
  using Rpc =
      std::function<grpc::Status(const std::shared_ptr<grpc::Channel>&, grpc::ClientContext&)>;

  // Runs `rpc` on the chosen endpoint with a fresh deadline; see the class comment for which
  // failures move to the next endpoint. At most one attempt per endpoint.
  grpc::Status invoke(Idempotent idempotent, const Rpc& rpc);
  // The same on endpoint `index` only.
  grpc::Status invoke_at(std::size_t index, const Rpc& rpc);
  std::chrono::system_clock::time_point request_deadline() const;
  grpc::Status unreachable() const;

  ClientOptions options_;
  Endpoints endpoints_;
};

}  // namespace chorus::client
