// The client-facing gRPC server of a node: every etcd service on the --listen-client-urls.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "node/node.h"

namespace chorus::api {

struct ServerOptions {
  std::vector<std::string> listen_addresses;  // host:port
  size_t max_request_bytes = 1536 * 1024;     // etcd's --max-request-bytes default
  std::string token;                          // --initial-cluster-token (member ids)
};

class ApiServer {
 public:
  static base::Result<std::unique_ptr<ApiServer>, std::string> start(node::Node& node,
                                                                     ServerOptions options);
  ~ApiServer();
  // Ports actually bound, in the order of listen_addresses (useful with port 0).
  const std::vector<int>& ports() const { return ports_; }
  void stop();

 private:
  struct Services;
  ApiServer();
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<int> ports_;
};

}  // namespace chorus::api
