// chorus::client::WatchStream: one Watch stream carrying many watchers, as etcd's own clients
// multiplex them. Client::watch() is the simple form (one watcher, a callback); this is for
// programs that watch many ranges at once, or count every event (chorus bench's watch workload).
//
// The stream is routed like any call of the stream class (Endpoints: breaker and bulkhead), and
// holds its place in the endpoint's stream bulkhead until it is destroyed. It is never retried:
// the reader may have seen events already, so only the caller can tell where to resume (a new
// watch from the last revision seen + 1).
//
// Thread use: one thread may write (create) while another reads; cancel() may come from any
// thread and makes a blocked read() return false.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include <memory>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/endpoints.h"

namespace chorus::client {

class WatchStream {
 public:
  // Opened by Client::open_watch_stream.
  WatchStream(Route route, Endpoints& endpoints);
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Adds a watcher; its "created" response (with its watch_id) arrives through read().
  // False when the stream is broken.
  bool create(const etcdserverpb::WatchCreateRequest& request);
  // Blocks for the next response; false when the stream has ended (see finish()).
  bool read(etcdserverpb::WatchResponse& response);
  // Ends the stream from any thread.
  void cancel();
  // Once read() returned false: why the stream ended (CANCELLED after cancel()). Reports the
  // outcome to the endpoint's breaker. Call it once.
  grpc::Status finish();

  const std::string& endpoint() const { return endpoints_.address(route_.index); }

 private:
  using Stream = grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;

  Route route_;
  Endpoints& endpoints_;
  grpc::ClientContext context_;
  std::unique_ptr<etcdserverpb::Watch::Stub> stub_;
  std::unique_ptr<Stream> stream_;
  bool finished_ = false;
};

}  // namespace chorus::client
