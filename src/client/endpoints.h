// Which endpoint a call goes to. This is the one place that chooses, so that retry with backoff
// and circuit breakers (a later issue) change this class and nothing else.
//
// The policy today is etcdctl's: try the endpoints in the order given, stay on the first one that
// answers, and move on to the next one when it becomes unavailable.
#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace chorus::client {

// A channel that reached READY, and the index of its endpoint (for mark_failed).
struct Connection {
  std::size_t index = 0;
  std::shared_ptr<grpc::Channel> channel;  // null: no endpoint could be reached
};

class Endpoints {
 public:
  Endpoints(const std::vector<std::string>& endpoints, std::chrono::milliseconds dial_timeout);

  std::size_t size() const { return addresses_.size(); }
  // The normalized address ("host:port", without "http://") of endpoint `index`.
  const std::string& address(std::size_t index) const { return addresses_.at(index); }

  // The first endpoint, starting at the current one, that connects within the dial timeout.
  // Endpoints that do not connect are marked failed on the way.
  Connection connect_any();
  // Endpoint `index` only (a status per endpoint must not fall over to another one).
  Connection connect(std::size_t index);
  // Endpoint `index` failed: the next call starts at the endpoint after it.
  void mark_failed(std::size_t index);

 private:
  std::shared_ptr<grpc::Channel> channel_for(std::size_t index);

  std::vector<std::string> addresses_;  // never empty
  std::chrono::milliseconds dial_timeout_;
  std::mutex mutex_;  // guards the two fields below: watch and lease calls may run on threads
  std::vector<std::shared_ptr<grpc::Channel>> channels_;  // one slot per address, made lazily
  std::size_t current_ = 0;                               // always < addresses_.size()
};

// "http://host:port" -> "host:port"; anything else unchanged (gRPC's own target syntax).
std::string normalize_endpoint(const std::string& endpoint);

}  // namespace chorus::client
