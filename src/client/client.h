// chorus::client::Client: a synchronous, fault-tolerant etcd v3 client on the generated gRPC
// stubs. Thread-safe: any number of threads may call one Client.
//
// Every method is one call (or one short stream) with a deadline of options.request_timeout,
// retries included, sent to the endpoint Endpoints chooses (the leader first for writes and
// linearizable reads, skipping endpoints whose circuit breaker is open or whose bulkhead is
// full); it returns the response proto or the grpc::Status.
//
// Retries (RetryOptions, with backoff and full jitter) happen only where they are safe:
// - a call that was never sent (no endpoint connected, every breaker open, every bulkhead full)
//   is retried whatever it is;
// - a call that was sent and got UNAVAILABLE or no answer in time is retried, on another
//   endpoint, only when repeating it cannot apply it twice: reads, lease keep-alives, unlock,
//   and txns whose compares pin every key they write (retry_safety.h). A put, a delete, an
//   unguarded txn or a membership change whose outcome is unknown is returned to the caller, who
//   alone can tell whether to read back or write again (etcd's clientv3 does the same).
//
// A background thread (HealthCheckOptions) probes every endpoint with Maintenance.Status; its
// results feed the breakers and tell which member leads. counters() and the options' LogFunction
// show every decision. docs/client.md explains each pattern, its defaults, and how to tune them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/etcdserverpb/rpc.pb.h"
#include "client/endpoints.h"
#include "client/health_checker.h"
#include "client/options.h"
#include "client/result.h"
#include "client/telemetry.h"
#include "client/watch_stream.h"
#include "server/v3lock/v3lockpb/v3lock.pb.h"

namespace grpc {
class ClientContext;
}

namespace chorus::client {

// Named bool (STYLE.md): may this call be sent again once its outcome is unknown (it was sent,
// and the endpoint became unavailable or did not answer in time)? See the class comment.
enum class Idempotent : bool { no = false, yes = true };

// Called for every WatchResponse (the "created" one first); return false to stop watching.
using WatchCallback = std::function<bool(const etcdserverpb::WatchResponse&)>;

class Client {
 public:
  // Connects lazily; with discover_endpoints, asks for the member list before returning; with
  // health checks on, starts the checker thread (stopped by the destructor).
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientOptions& options() const { return options_; }
  std::size_t endpoint_count() const { return endpoints_.size(); }
  const std::string& endpoint(std::size_t index) const { return endpoints_.address(index); }

  // Observability: what the client has done so far, and what it knows of one endpoint.
  ClientCounters counters() const { return telemetry_.snapshot(); }
  EndpointHealth endpoint_health(std::size_t index) const { return endpoints_.health(index); }
  // Runs one round of health probes now, on the caller's thread (tests, and programs that turn
  // the background thread off but want a check before a batch of work).
  void check_health() { health_->run_round(); }

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
  // A stream for many watchers (watch_stream.h); UNAVAILABLE or RESOURCE_EXHAUSTED when no
  // endpoint can take it.
  Result<std::unique_ptr<WatchStream>> open_watch_stream();

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

  // How one kind of call may be routed and retried.
  struct Call {
    const char* name;  // for log lines: "Range", "Put", ...
    OperationClass operation;
    Idempotent idempotent;  // may it be sent again after its outcome became unknown?
    LeaderFirst leader_first;
  };

  // Runs `rpc` on the routed endpoint with retries as the class comment says.
  grpc::Status invoke(const Call& call, const Rpc& rpc);
  // The same on endpoint `index` only, once, whatever its breaker says (its outcome still feeds
  // the breaker).
  grpc::Status invoke_at(std::size_t index, const Rpc& rpc);
  std::chrono::system_clock::time_point request_deadline() const;
  grpc::Status unreachable() const;
  // The health probe: Maintenance.Status on endpoint `index` within `timeout`.
  bool probe(std::size_t index, std::chrono::milliseconds timeout);
  void discover_endpoints();

  ClientOptions options_;
  Telemetry telemetry_;
  Endpoints endpoints_;
  std::atomic<std::uint64_t> call_sequence_{0};  // varies each call's jitter seed
  std::uint64_t seed_;                           // the jitter's base seed (RetryOptions::seed)
  std::unique_ptr<HealthChecker> health_;        // last: stopped before what its probes use
};

}  // namespace chorus::client
