// etcd's Watch service: many watchers over one bidirectional stream.
//
// Each stream has a reader (the gRPC handler thread: creates, cancels, progress requests) and a
// writer thread that drains the watchers' buffers in the node's WatchHub and sends events in
// revision order. Watchers are bounded (kv/watch_hub.h): a slow client makes its watchers fall
// back to reading history, never grows the server's memory without bound.
#pragma once

#include "api/context.h"
#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::api {

class WatchService final : public etcdserverpb::Watch::Service {
 public:
  explicit WatchService(ApiContext& context) : context_(context) {}

  grpc::Status Watch(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<etcdserverpb::WatchResponse,
                                              etcdserverpb::WatchRequest>* stream) override;

 private:
  ApiContext& context_;
};

}  // namespace chorus::api
