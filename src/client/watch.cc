// The Watch service: one watcher on one stream, driven synchronously by a callback.
#include <grpcpp/client_context.h>

#include <chrono>
#include <optional>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/client.h"

namespace chorus::client {
namespace {

// Why etcd ended a watch. etcd 3.4 leaves cancel_reason empty when the start revision was
// compacted and only sets compact_revision; name that case as etcd's ErrCompacted does.
grpc::Status canceled_status(const etcdserverpb::WatchResponse& response) {
  if (response.compact_revision() != 0) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        response.cancel_reason().empty()
                            ? "etcdserver: mvcc: required revision has been compacted"
                            : response.cancel_reason());
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, response.cancel_reason().empty()
                                                       ? "watch canceled by the server"
                                                       : response.cancel_reason());
}

// How a stream that ran to its deadline ended, as the caller should see it. gRPC reports a
// deadline only on a best-effort basis: when the server's copy of the deadline fires first, its
// reset of the stream reaches the client as UNKNOWN or CANCELLED before the client's own timer
// fires (grpc/grpc#2685), and on a loaded machine it often does.
grpc::Status at_deadline(grpc::Status status,
                         std::optional<std::chrono::system_clock::time_point> deadline) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED || !deadline ||
      std::chrono::system_clock::now() < *deadline) {
    return status;
  }
  return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded");
}

}  // namespace

grpc::Status Client::watch(const etcdserverpb::WatchCreateRequest& request,
                           const WatchCallback& on_response,
                           std::optional<std::chrono::system_clock::time_point> deadline) {
  // A watch is a stream: it takes a place in the endpoint's stream bulkhead for as long as it
  // runs (so many watches cannot starve reads and writes), and it is not retried, since the
  // callback may have seen events already.
  telemetry_.count(Counter::calls);
  Route route = endpoints_.route(OperationClass::stream, LeaderFirst::no, {});
  if (!route.channel) return route.why;
  telemetry_.count(Counter::attempts);
  grpc::ClientContext context;
  if (deadline) context.set_deadline(*deadline);
  etcdserverpb::Watch::Stub stub(route.channel);
  auto stream = stub.Watch(&context);

  etcdserverpb::WatchRequest create;
  *create.mutable_create_request() = request;
  grpc::Status status = grpc::Status::OK;
  if (stream->Write(create)) {
    etcdserverpb::WatchResponse response;
    // Ends when the callback says so, the server cancels, or the stream breaks (the deadline
    // included): each Read blocks for one response.
    while (stream->Read(&response)) {
      const bool keep_watching = on_response(response);
      if (response.canceled() || !keep_watching) {
        context.TryCancel();  // the server would keep the stream open otherwise
        stream->Finish().IgnoreError();
        endpoints_.report(route.index, Outcome::answered, route.trial);
        return response.canceled() ? canceled_status(response) : grpc::Status::OK;
      }
    }
  }
  status = at_deadline(stream->Finish(), deadline);
  const bool failed = status.error_code() == grpc::StatusCode::UNAVAILABLE;
  endpoints_.report(route.index, failed ? Outcome::failed : Outcome::neutral, route.trial);
  return status;
}

Result<std::unique_ptr<WatchStream>> Client::open_watch_stream() {
  telemetry_.count(Counter::calls);
  Route route = endpoints_.route(OperationClass::stream, LeaderFirst::no, {});
  if (!route.channel) return route.why;
  telemetry_.count(Counter::attempts);
  return std::make_unique<WatchStream>(std::move(route), endpoints_);
}

}  // namespace chorus::client
