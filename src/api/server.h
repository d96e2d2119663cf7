// The client-facing gRPC server of a node: every etcd service on the --listen-client-urls.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "node/node.h"

namespace chorus::api {

struct ServerOptions {
  // host:port to listen on. Empty: the server listens nowhere and takes connections handed to
  // add_connection() (chorus serve multiplexes HTTP/1 and gRPC on the client port that way).
  std::vector<std::string> listen_addresses;
  size_t max_request_bytes = 1536 * 1024;  // etcd's --max-request-bytes default
  std::string token;                       // --initial-cluster-token (member ids)
  // Debug-level request traces (trace.h) go here; null: no traces.
  const base::Logger* logger = nullptr;
  // Serve grpc.health.v1.Health (its status set through grpc_server()).
  bool grpc_health = false;
};

class ApiServer {
 public:
  static base::Result<std::unique_ptr<ApiServer>, std::string> start(node::Node& node,
                                                                     ServerOptions options);
  ~ApiServer();
  // Ports actually bound, in the order of listen_addresses (useful with port 0).
  const std::vector<int>& ports() const { return ports_; }
  // Serves gRPC on an accepted socket (which must not have been read from); takes ownership.
  void add_connection(int fd);
  grpc::Server* grpc_server() { return server_.get(); }
  void stop();

 private:
  struct Services;
  ApiServer();
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<int> ports_;
};

}  // namespace chorus::api
