#include "client/endpoints.h"

#include <fmt/format.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace chorus::client {
namespace {

// etcd answers a range with every key it matches; etcdctl accepts responses up to 2 GiB. We
// bound them lower, high enough for any store that fits the default 2 GiB backend quota's use.
constexpr int kResponseBytesMax = 512 * 1024 * 1024;

std::string_view class_name(OperationClass operation) {
  switch (operation) {
    case OperationClass::read:
      return "read";
    case OperationClass::write:
      return "write";
    case OperationClass::stream:
      return "stream";
  }
  return "?";
}

}  // namespace

std::shared_ptr<grpc::Channel> make_channel(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kResponseBytesMax);
  // A fresh channel per endpoint object, not gRPC's shared subchannel pool, so that replacing a
  // failed channel (below) really dials again.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Members are dialed directly at the URLs they advertise; an HTTP proxy from the environment
  // would hide which member answered, and the breakers and health checks are per member.
  arguments.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
}

std::string normalize_endpoint(const std::string& endpoint) {
  constexpr std::string_view kHttp = "http://";
  if (endpoint.starts_with(kHttp)) return endpoint.substr(kHttp.size());
  return endpoint;
}

Endpoints::State::State(std::string address_in, const FaultToleranceOptions& options)
    : address(std::move(address_in)),
      breaker(options.breaker),
      bulkheads{Bulkhead(options.bulkhead.reads_max), Bulkhead(options.bulkhead.writes_max),
                Bulkhead(options.bulkhead.streams_max)} {}

Endpoints::Endpoints(const std::vector<std::string>& endpoints,
                     std::chrono::milliseconds dial_timeout, const FaultToleranceOptions& options,
                     Telemetry& telemetry)
    : dial_timeout_(dial_timeout), options_(options), telemetry_(telemetry) {
  if (endpoints.empty()) throw std::invalid_argument("a client needs at least one endpoint");
  if (endpoints.size() > kEndpointsMax) {
    throw std::invalid_argument(fmt::format("a client takes at most {} endpoints", kEndpointsMax));
  }
  // Repeats are kept: `chorus cluster status` prints one line per endpoint given, as etcdctl.
  for (const auto& endpoint : endpoints) {
    states_.push_back(std::make_unique<State>(normalize_endpoint(endpoint), options_));
  }
}

std::vector<std::string> Endpoints::addresses() const {
  std::vector<std::string> out;
  for (const auto& state : states_) out.push_back(state->address);
  return out;
}

bool Endpoints::add(const std::string& endpoint) {
  const std::string address = normalize_endpoint(endpoint);
  if (states_.size() >= kEndpointsMax) return false;
  for (const auto& state : states_) {
    if (state->address == address) return false;
  }
  states_.push_back(std::make_unique<State>(address, options_));
  telemetry_.count(Counter::endpoints_discovered);
  telemetry_.log(fmt::format("discovery: added endpoint {}", address));
  return true;
}

std::shared_ptr<grpc::Channel> Endpoints::channel_for(std::size_t index) {
  std::lock_guard lock(mutex_);
  auto& channel = states_.at(index)->channel;
  // A channel in TRANSIENT_FAILURE waits out gRPC's reconnect backoff (up to 120 s) before it
  // dials again; a new channel dials at once, which is what a caller coming back to an endpoint
  // that failed earlier wants.
  if (!channel || channel->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
    channel = make_channel(states_[index]->address);
  }
  return channel;
}

Connection Endpoints::connect(std::size_t index, std::chrono::milliseconds dial_timeout) {
  auto channel = channel_for(index);
  const auto deadline = std::chrono::system_clock::now() + dial_timeout;
  auto state = channel->GetState(/*try_to_connect=*/true);
  // Each state change is one step of IDLE -> CONNECTING -> READY | TRANSIENT_FAILURE, so the
  // loop ends after a few turns or at the deadline.
  while (state != GRPC_CHANNEL_READY) {
    // Refused: do not sit out the dial timeout on an endpoint that has said no.
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) return {};
    if (!channel->WaitForStateChange(state, deadline)) return {};  // dial timeout
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return Connection{index, std::move(channel)};
}

std::optional<std::size_t> Endpoints::leader_locked() const {
  if (leader_id_ == 0) return std::nullopt;
  for (std::size_t index = 0; index < states_.size(); ++index) {
    const State& state = *states_[index];
    if (state.member_id == leader_id_ && state.breaker.state() == BreakerState::closed) {
      return index;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> Endpoints::leader() const {
  std::lock_guard lock(mutex_);
  return leader_locked();
}

std::vector<std::size_t> Endpoints::preference(LeaderFirst leader_first) const {
  std::vector<std::size_t> order;
  order.reserve(states_.size());
  std::optional<std::size_t> first;
  if (leader_first == LeaderFirst::yes && options_.prefer_leader) first = leader();
  if (first) order.push_back(*first);
  for (std::size_t index = 0; index < states_.size(); ++index) {
    if (index != first) order.push_back(index);
  }
  return order;
}

Route Endpoints::route(OperationClass operation, LeaderFirst leader_first,
                       const std::vector<std::size_t>& avoid) {
  const std::vector<std::size_t> order = preference(leader_first);
  const bool led = leader_first == LeaderFirst::yes && order.size() > 0 && leader() == order[0];
  std::vector<bool> ruled_out(states_.size(), false);  // dial failed or bulkhead full
  std::vector<bool> counted(states_.size(), false);    // breaker rejection counted once
  bool any_full = false;
  bool any_open = false;
  // Pass 0: healthy endpoints not avoided. Pass 1: also a trial of an open breaker whose open
  // duration passed (with health checks on, the probes run the trials, so callers only pay for
  // one when nothing else is left). Pass 2: also endpoints this call avoids. Bounded: three
  // passes over at most kEndpointsMax endpoints.
  for (int pass = 0; pass < 3; ++pass) {
    const bool trials = pass >= 1 || !options_.health.enabled;
    for (const std::size_t index : order) {
      if (ruled_out[index]) continue;
      if (pass < 2 && std::find(avoid.begin(), avoid.end(), index) != avoid.end()) continue;
      State& state = *states_[index];
      Route route;
      route.index = index;
      {
        std::lock_guard lock(mutex_);
        const bool closed = state.breaker.admits_without_trial();
        const bool may_try = state.breaker.trial_due(std::chrono::steady_clock::now()) ||
                             state.breaker.state() == BreakerState::half_open;
        if (!closed && !(trials && may_try)) {
          any_open = true;
          if (!counted[index]) telemetry_.count(Counter::breaker_rejected);
          counted[index] = true;
          continue;
        }
      }
      // The bulkhead before the breaker's admission, so a full bulkhead never takes the trial.
      route.permit = state.bulkheads[static_cast<std::size_t>(operation)].try_enter();
      if (!route.permit.held()) {
        telemetry_.count(Counter::bulkhead_rejected);
        telemetry_.log(fmt::format(
            "bulkhead: {} has {} {} calls in flight, the limit; skipped", state.address,
            state.bulkheads[static_cast<std::size_t>(operation)].limit(), class_name(operation)));
        any_full = true;
        ruled_out[index] = true;
        continue;
      }
      Admission admission = Admission::rejected;
      change_breaker(index,
                     [&](CircuitBreaker& breaker, auto now) { admission = breaker.admit(now); });
      if (admission == Admission::rejected) {
        any_open = true;
        continue;
      }
      route.trial = admission == Admission::trial;
      const Connection connection = connect(index);
      if (!connection.channel) {
        telemetry_.count(Counter::dial_failures);
        report(index, Outcome::failed, route.trial);
        ruled_out[index] = true;
        continue;
      }
      route.channel = connection.channel;
      if (led && index == order[0]) telemetry_.count(Counter::leader_routed);
      return route;
    }
  }
  Route none;
  none.why = no_route(any_full, any_open, operation);
  return none;
}

grpc::Status Endpoints::no_route(bool any_full, bool any_open, OperationClass operation) const {
  if (any_full) {
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        fmt::format("every endpoint's {} bulkhead is full or unusable", class_name(operation)));
  }
  if (any_open) {
    return grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        "every endpoint is unreachable or has an open circuit breaker (failing fast)");
  }
  std::string list;
  for (const auto& state : states_) list += (list.empty() ? "" : ", ") + state->address;
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      fmt::format("could not connect to any endpoint (dial timeout {} ms): {}",
                                  dial_timeout_.count(), list));
}

template <typename Change>
void Endpoints::change_breaker(std::size_t index, Change change) {
  State& state = *states_.at(index);
  BreakerState before;
  BreakerState after;
  {
    std::lock_guard lock(mutex_);
    before = state.breaker.state();
    change(state.breaker, std::chrono::steady_clock::now());
    after = state.breaker.state();
  }
  if (before == after) return;
  switch (after) {
    case BreakerState::open:
      telemetry_.count(Counter::breaker_opened);
      break;
    case BreakerState::half_open:
      telemetry_.count(Counter::breaker_half_opened);
      break;
    case BreakerState::closed:
      telemetry_.count(Counter::breaker_closed);
      break;
  }
  telemetry_.log(fmt::format("breaker: {} {} -> {}{}", state.address, to_string(before),
                             to_string(after),
                             after == BreakerState::open
                                 ? fmt::format(" for {} ms", options_.breaker.open_duration.count())
                                 : std::string()));
}

void Endpoints::report(std::size_t index, Outcome outcome, bool trial) {
  change_breaker(index, [&](CircuitBreaker& breaker, auto now) {
    switch (outcome) {
      case Outcome::answered:
        breaker.on_success(now);
        break;
      case Outcome::failed:
        breaker.on_failure(now);
        break;
      case Outcome::neutral:
        if (trial) breaker.release_trial();
        break;
    }
  });
}

void Endpoints::report_probe(std::size_t index, bool healthy, std::uint64_t member_id,
                             std::uint64_t leader_id) {
  change_breaker(index, [&](CircuitBreaker& breaker, auto now) { breaker.on_probe(healthy, now); });
  if (!healthy) return;
  std::optional<std::size_t> before;
  std::optional<std::size_t> after;
  {
    std::lock_guard lock(mutex_);
    before = leader_locked();
    states_.at(index)->member_id = member_id;
    // A member that knows no leader (an election is on) does not erase what the others said.
    if (leader_id != 0) leader_id_ = leader_id;
    after = leader_locked();
  }
  if (before != after) {
    telemetry_.log(fmt::format("routing: leader is now {}",
                               after ? states_[*after]->address : std::string("unknown")));
  }
}

EndpointHealth Endpoints::health(std::size_t index) const {
  const State& state = *states_.at(index);
  EndpointHealth out;
  out.address = state.address;
  for (std::size_t klass = 0; klass < kOperationClasses; ++klass) {
    out.in_flight[klass] = state.bulkheads[klass].in_flight();
  }
  std::lock_guard lock(mutex_);
  out.breaker = state.breaker.state();
  out.consecutive_failures = state.breaker.consecutive_failures();
  out.member_id = state.member_id;
  out.leader = leader_id_ != 0 && state.member_id == leader_id_;
  return out;
}

}  // namespace chorus::client
