// The call path: routing, attempts, retries with backoff; the health probe; discovery.
#include "client/client.h"

#include <fmt/format.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/backoff.h"

namespace chorus::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

// What an attempt's status says about the endpoint (see Outcome).
Outcome classify(const grpc::Status& status, OperationClass operation) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return Outcome::failed;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      // A watch or a lock may wait for its deadline on a healthy node.
      return operation == OperationClass::stream ? Outcome::neutral : Outcome::failed;
    case grpc::StatusCode::CANCELLED:
      return Outcome::neutral;
    default:
      return Outcome::answered;
  }
}

// Could another attempt succeed where this one failed? Only when the endpoint did not answer;
// an answer (even an error) would be the same the second time.
bool worth_retrying(const grpc::Status& status, OperationClass operation) {
  return classify(status, operation) == Outcome::failed;
}

// gRPC's name of a status code, for log lines a person reads.
std::string_view code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    default:
      return "other";
  }
}

std::chrono::milliseconds until(SteadyClock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
}

}  // namespace

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      telemetry_(options_.fault_tolerance.log),
      endpoints_(options_.endpoints, options_.dial_timeout, options_.fault_tolerance, telemetry_),
      seed_(backoff_seed(options_.fault_tolerance.retry.seed)) {
  if (options_.fault_tolerance.discover_endpoints) discover_endpoints();
  health_ = std::make_unique<HealthChecker>(
      options_.fault_tolerance.health, endpoints_.addresses(),
      [this](std::size_t index, std::chrono::milliseconds timeout) {
        return probe(index, timeout);
      },
      [](std::size_t, bool) {}, telemetry_);
  if (options_.fault_tolerance.health.enabled) health_->start();
}

Client::~Client() {
  health_->stop();
}

std::chrono::system_clock::time_point Client::request_deadline() const {
  return std::chrono::system_clock::now() + options_.request_timeout;
}

grpc::Status Client::unreachable() const {
  std::string addresses;
  for (std::size_t index = 0; index < endpoints_.size(); ++index) {
    addresses += (index == 0 ? "" : ", ") + endpoints_.address(index);
  }
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      fmt::format("could not connect to any endpoint (dial timeout {} ms): {}",
                                  options_.dial_timeout.count(), addresses));
}

grpc::Status Client::invoke(const Call& call, const Rpc& rpc) {
  const RetryOptions& retry = options_.fault_tolerance.retry;
  telemetry_.count(Counter::calls);
  const auto call_deadline = SteadyClock::now() + options_.request_timeout;
  Backoff backoff(retry, seed_ + call_sequence_.fetch_add(1, std::memory_order_relaxed));
  std::vector<std::size_t> avoid;  // endpoints that failed an earlier attempt of this call
  grpc::Status last = unreachable();
  int attempts_sent = 0;
  // Bounded by attempts_max (each turn is one attempt, sent or not) and by the call's deadline.
  for (int attempt = 1; attempt <= std::max(1, retry.attempts_max); ++attempt) {
    Route route = endpoints_.route(call.operation, call.leader_first, avoid);
    if (route.channel) {
      telemetry_.count(Counter::attempts);
      if (attempts_sent++ > 0) telemetry_.count(Counter::retries);
      grpc::ClientContext context;
      auto timeout = until(call_deadline);
      // Only a call that may be retried gets a shorter attempt: one that may not would just
      // fail sooner.
      if (call.idempotent == Idempotent::yes && call.operation != OperationClass::stream) {
        timeout = std::min(timeout, retry.attempt_timeout);
      }
      context.set_deadline(std::chrono::system_clock::now() + timeout);
      grpc::Status status = rpc(route.channel, context);
      endpoints_.report(route.index, classify(status, call.operation), route.trial);
      route.permit.reset();
      if (!worth_retrying(status, call.operation)) return status;
      if (call.idempotent == Idempotent::no) {
        telemetry_.count(Counter::not_retried_unsafe);
        telemetry_.log(
            fmt::format("retry: {} on {} failed with {} ({}); not retried, its outcome is unknown",
                        call.name, endpoints_.address(route.index), code_name(status.error_code()),
                        status.error_message()));
        return status;
      }
      avoid.push_back(route.index);
      last = std::move(status);
    } else {
      last = route.why;  // nothing was sent: safe to try again whatever the call
    }
    const auto delay = backoff.next_delay(attempt, until(call_deadline));
    if (!delay) break;
    telemetry_.log(fmt::format("retry: {} attempt {} in {} ms after {} ({})", call.name,
                               attempt + 1, delay->count(), code_name(last.error_code()),
                               last.error_message()));
    std::this_thread::sleep_for(*delay);
  }
  telemetry_.count(Counter::retries_exhausted);
  telemetry_.log(fmt::format("retry: {} gave up after {} attempts: {}", call.name, attempts_sent,
                             last.error_message()));
  return last;
}

grpc::Status Client::invoke_at(std::size_t index, const Rpc& rpc) {
  const Connection connection = endpoints_.connect(index);
  if (!connection.channel) {
    endpoints_.report(index, Outcome::failed, /*trial=*/false);
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        fmt::format("could not connect to {} (dial timeout {} ms)",
                                    endpoints_.address(index), options_.dial_timeout.count()));
  }
  grpc::ClientContext context;
  context.set_deadline(request_deadline());
  grpc::Status status = rpc(connection.channel, context);
  endpoints_.report(index, classify(status, OperationClass::read), /*trial=*/false);
  return status;
}

bool Client::probe(std::size_t index, std::chrono::milliseconds timeout) {
  const Connection connection = endpoints_.connect(index, std::min(timeout, options_.dial_timeout));
  if (!connection.channel) {
    endpoints_.report_probe(index, /*healthy=*/false);
    return false;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  etcdserverpb::StatusResponse response;
  const auto status =
      etcdserverpb::Maintenance::Stub(connection.channel).Status(&context, {}, &response);
  endpoints_.report_probe(index, status.ok(), response.header().member_id(), response.leader());
  return status.ok();
}

void Client::discover_endpoints() {
  auto members = member_list();
  if (!members.ok()) {
    telemetry_.log(fmt::format("discovery: member list failed ({}); keeping the endpoints given",
                               members.error().error_message()));
    return;
  }
  for (const auto& member : members->members()) {
    for (const auto& url : member.clienturls()) endpoints_.add(url);
  }
}

}  // namespace chorus::client
