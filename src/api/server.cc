#include "api/server.h"

#include <fcntl.h>
#include <grpcpp/server_posix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "api/auth_service.h"
#include "api/cluster_service.h"
#include "api/context.h"
#include "api/kv_service.h"
#include "api/lease_service.h"
#include "api/lock_service.h"
#include "api/maintenance_service.h"
#include "api/metrics_interceptor.h"
#include "api/watch_service.h"

namespace chorus::api {

namespace {
constexpr int kMinPollers = 2;
constexpr int kMaxPollers = 1024;
}  // namespace

struct ApiServer::Services {
  Services(node::Node& node, const ServerOptions& options)
      : context(node, options.max_request_bytes),
        kv(context),
        watch(context),
        lease(context),
        cluster(context, options.token),
        maintenance(context),
        auth(context),
        lock(context),
        election(context) {}
  ApiContext context;
  KvService kv;
  WatchService watch;
  LeaseService lease;
  ClusterService cluster;
  MaintenanceService maintenance;
  AuthService auth;
  LockService lock;
  ElectionService election;
};

ApiServer::ApiServer() = default;

ApiServer::~ApiServer() {
  stop();
}

base::Result<std::unique_ptr<ApiServer>, std::string> ApiServer::start(node::Node& node,
                                                                       ServerOptions options) {
  std::unique_ptr<ApiServer> server(new ApiServer());
  server->services_ = std::make_unique<Services>(node, options);
  // Process-wide in gRPC; set before the builder, and harmless for servers that do not want it.
  if (options.grpc_health) grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  server->ports_.resize(options.listen_addresses.size());
  for (size_t i = 0; i < options.listen_addresses.size(); ++i) {
    builder.AddListeningPort(options.listen_addresses[i], grpc::InsecureServerCredentials(),
                             &server->ports_[i]);
  }
  // Requests above --max-request-bytes get etcd's "request is too large" from the node; gRPC's
  // own limit sits above it, with etcd's allowance for framing.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(options.max_request_bytes + kGrpcOverheadBytes));
  builder.SetMaxSendMessageSize(std::numeric_limits<int>::max());
  // gRPC's sync server keeps at most MAX_POLLERS idle threads polling for calls (default 2): a
  // thread that finishes a call while two others poll exits, and the next call spawns a new
  // one. Under 64 concurrent clients that was a thread created and destroyed per request
  // (clone, stack faults, munmap and its TLB shootdown, malloc arena teardown: about a tenth of
  // the leader's CPU). Keeping the threads costs only their stacks; idle ones still exit after
  // gRPC's CQ timeout (10 s) down to MIN_POLLERS.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, kMinPollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxPollers);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(make_metrics_interceptor(node.metrics(), options.logger));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  Services& s = *server->services_;
  for (grpc::Service* service : std::initializer_list<grpc::Service*>{
           &s.kv, &s.watch, &s.lease, &s.cluster, &s.maintenance, &s.auth, &s.lock, &s.election}) {
    builder.RegisterService(service);
  }
  server->server_ = builder.BuildAndStart();
  if (!server->server_) return std::string("cannot start the gRPC server (address in use?)");
  for (size_t i = 0; i < server->ports_.size(); ++i) {
    if (server->ports_[i] == 0) return "cannot listen on " + options.listen_addresses[i];
  }
  return server;
}

void ApiServer::add_connection(int fd) {
  if (!server_) {
    close(fd);
    return;
  }
  // What gRPC does to the sockets it accepts itself: non-blocking (its pollers must never block
  // on a read) and no Nagle delay (small responses leave at once).
  const int flags = fcntl(fd, F_GETFL, 0);
  const int one = 1;
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    close(fd);
    return;
  }
  grpc::AddInsecureChannelFromFd(server_.get(), fd);
}

void ApiServer::stop() {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_.reset();
}

}  // namespace chorus::api
