// Which endpoint a call goes to, and what the client knows about each endpoint: its channel, its
// circuit breaker, its bulkheads (one per class of operation), and whether it leads. This is the
// one place that chooses; Client decides about retries, and the HealthChecker feeds it.
//
// The order of preference: the leader first when the call asks for it and one is known, then the
// endpoints in the order given. An endpoint is skipped when the call avoids it (it failed an
// earlier attempt), when its breaker is open, when its bulkhead for the call's class is full, or
// when it does not connect within the dial timeout. Skipping sends nothing, so it is safe for
// every call, writes included.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/bulkhead.h"
#include "client/circuit_breaker.h"
#include "client/fault_tolerance.h"
#include "client/telemetry.h"

namespace chorus::client {

// A channel that reached READY, and the index of its endpoint.
struct Connection {
  std::size_t index = 0;
  std::shared_ptr<grpc::Channel> channel;  // null: the endpoint could not be reached
};

// The endpoint chosen for one attempt. Holding it holds a place in the endpoint's bulkhead.
struct Route {
  std::size_t index = 0;
  std::shared_ptr<grpc::Channel> channel;  // null: no endpoint could take the call; see `why`
  BulkheadPermit permit;
  bool trial = false;  // this attempt is the half-open breaker's trial
  grpc::Status why;    // set when channel is null
};

// How an attempt went, for the breaker.
enum class Outcome {
  answered,  // the server answered (an error from the server counts: the node is alive)
  failed,    // unreachable, or no answer within the deadline
  neutral,   // says nothing about the endpoint (cancelled by the caller, a long stream's deadline)
};

// Named bool (STYLE.md): should the leader be tried first?
enum class LeaderFirst : bool { no = false, yes = true };

// What a caller may see of one endpoint (Client::endpoint_health).
struct EndpointHealth {
  std::string address;
  BreakerState breaker = BreakerState::closed;
  int consecutive_failures = 0;
  std::array<int, kOperationClasses> in_flight{};  // by OperationClass
  std::uint64_t member_id = 0;                     // 0 until a health probe answered
  bool leader = false;                             // the last probe said this member leads
};

class Endpoints {
 public:
  // At most this many endpoints, discovered ones included: a bound on every per-call loop.
  static constexpr std::size_t kEndpointsMax = 32;

  Endpoints(const std::vector<std::string>& endpoints, std::chrono::milliseconds dial_timeout,
            const FaultToleranceOptions& options, Telemetry& telemetry);

  std::size_t size() const { return states_.size(); }
  // The normalized address ("host:port", without "http://") of endpoint `index`.
  const std::string& address(std::size_t index) const { return states_.at(index)->address; }
  std::vector<std::string> addresses() const;

  // Adds an endpoint (discovery); false when it is known already or the list is full. Only
  // before the first call and before health checks start: the list is not guarded.
  bool add(const std::string& endpoint);

  // The endpoint for one attempt of a call of class `operation`; see the file comment.
  Route route(OperationClass operation, LeaderFirst leader_first,
              const std::vector<std::size_t>& avoid);
  // Endpoint `index` only, whatever its breaker says (a status per endpoint, a health probe).
  Connection connect(std::size_t index, std::chrono::milliseconds dial_timeout);
  Connection connect(std::size_t index) { return connect(index, dial_timeout_); }

  // The outcome of an attempt on `index` (`trial`: it was the breaker's trial).
  void report(std::size_t index, Outcome outcome, bool trial);
  // A health probe's result; `member_id` and `leader_id` come from its StatusResponse.
  void report_probe(std::size_t index, bool healthy, std::uint64_t member_id = 0,
                    std::uint64_t leader_id = 0);

  EndpointHealth health(std::size_t index) const;
  // The endpoint of the member that the probes last saw leading, if its breaker is closed.
  std::optional<std::size_t> leader() const;

 private:
  struct State {
    State(std::string address_in, const FaultToleranceOptions& options);
    std::string address;
    std::shared_ptr<grpc::Channel> channel;             // made lazily; guarded by mutex_
    CircuitBreaker breaker;                             // guarded by mutex_
    std::array<Bulkhead, kOperationClasses> bulkheads;  // thread-safe on their own
    std::uint64_t member_id = 0;                        // guarded by mutex_
  };

  std::shared_ptr<grpc::Channel> channel_for(std::size_t index);
  std::vector<std::size_t> preference(LeaderFirst leader_first) const;
  // Applies `change` to the breaker of `index` under the lock; logs and counts a transition.
  template <typename Change>
  void change_breaker(std::size_t index, Change change);
  std::optional<std::size_t> leader_locked() const;
  // Why route() found no endpoint: every bulkhead full, every breaker open, or nothing dialed.
  grpc::Status no_route(bool any_full, bool any_open, OperationClass operation) const;

  std::vector<std::unique_ptr<State>> states_;  // never empty; at most kEndpointsMax
  std::chrono::milliseconds dial_timeout_;
  FaultToleranceOptions options_;
  Telemetry& telemetry_;
  mutable std::mutex mutex_;     // guards the fields marked so, and leader_id_
  std::uint64_t leader_id_ = 0;  // the leader the last answering probe named; 0: unknown
};

// An insecure channel to one member ("host:port"), dialed on a TCP connection of its own (not
// gRPC's shared subchannel pool), never through an HTTP proxy, accepting large range responses.
std::shared_ptr<grpc::Channel> make_channel(const std::string& address);

// "http://host:port" -> "host:port"; anything else unchanged (gRPC's own target syntax).
std::string normalize_endpoint(const std::string& endpoint);

}  // namespace chorus::client
