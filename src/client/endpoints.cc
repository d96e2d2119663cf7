#include "client/endpoints.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <stdexcept>

namespace chorus::client {
namespace {

// etcd answers a range with every key it matches; etcdctl accepts responses up to 2 GiB. We
// bound them lower, high enough for any store that fits the default 2 GiB backend quota's use.
constexpr int kResponseBytesMax = 512 * 1024 * 1024;

std::shared_ptr<grpc::Channel> make_channel(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kResponseBytesMax);
  // A fresh channel per endpoint object, not gRPC's shared subchannel pool, so that replacing a
  // failed channel (below) really dials again.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
}

}  // namespace

std::string normalize_endpoint(const std::string& endpoint) {
  constexpr std::string_view kHttp = "http://";
  if (endpoint.starts_with(kHttp)) return endpoint.substr(kHttp.size());
  return endpoint;
}

Endpoints::Endpoints(const std::vector<std::string>& endpoints,
                     std::chrono::milliseconds dial_timeout)
    : dial_timeout_(dial_timeout) {
  if (endpoints.empty()) throw std::invalid_argument("a client needs at least one endpoint");
  for (const auto& endpoint : endpoints) addresses_.push_back(normalize_endpoint(endpoint));
  channels_.resize(addresses_.size());
}

std::shared_ptr<grpc::Channel> Endpoints::channel_for(std::size_t index) {
  std::lock_guard lock(mutex_);
  auto& channel = channels_.at(index);
  // A channel in TRANSIENT_FAILURE waits out gRPC's reconnect backoff (up to 120 s) before it
  // dials again; a new channel dials at once, which is what a caller coming back to an endpoint
  // that failed earlier wants.
  if (!channel || channel->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
    channel = make_channel(addresses_[index]);
  }
  return channel;
}

Connection Endpoints::connect(std::size_t index) {
  auto channel = channel_for(index);
  const auto deadline = std::chrono::system_clock::now() + dial_timeout_;
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

Connection Endpoints::connect_any() {
  std::size_t first;
  {
    std::lock_guard lock(mutex_);
    first = current_;
  }
  for (std::size_t step = 0; step < size(); ++step) {
    const std::size_t index = (first + step) % size();
    auto connection = connect(index);
    if (connection.channel) return connection;
    mark_failed(index);
  }
  return {};
}

void Endpoints::mark_failed(std::size_t index) {
  std::lock_guard lock(mutex_);
  // Only the endpoint in use moves the cursor: two threads that saw the same failure must not
  // skip a healthy endpoint between them.
  if (current_ == index) current_ = (index + 1) % addresses_.size();
}

}  // namespace chorus::client
