#include "client/client.h"

#include <fmt/format.h>
#include <grpcpp/client_context.h>

#include <utility>

namespace chorus::client {

Client::Client(ClientOptions options)
    : options_(std::move(options)), endpoints_(options_.endpoints, options_.dial_timeout) {}

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

grpc::Status Client::invoke(Idempotent idempotent, const Rpc& rpc) {
  grpc::Status last = unreachable();
  // One attempt per endpoint bounds the loop even when every endpoint flaps.
  for (std::size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
    const Connection connection = endpoints_.connect_any();
    if (!connection.channel) return unreachable();
    grpc::ClientContext context;
    context.set_deadline(request_deadline());
    grpc::Status status = rpc(connection.channel, context);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
    endpoints_.mark_failed(connection.index);
    if (idempotent == Idempotent::no) return status;
    last = std::move(status);
  }
  return last;
}

grpc::Status Client::invoke_at(std::size_t index, const Rpc& rpc) {
  const Connection connection = endpoints_.connect(index);
  if (!connection.channel) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        fmt::format("could not connect to {} (dial timeout {} ms)",
                                    endpoints_.address(index), options_.dial_timeout.count()));
  }
  grpc::ClientContext context;
  context.set_deadline(request_deadline());
  return rpc(connection.channel, context);
}

}  // namespace chorus::client
