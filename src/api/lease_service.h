// etcd's Lease service. Grants and revokes go through the log; keep-alives and remaining TTLs
// are the leader's business (it alone keeps the clocks, node/lessor.h), so a follower forwards
// them to the leader, as etcd does.
#pragma once

#include "api/context.h"
#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::api {

class LeaseService final : public etcdserverpb::Lease::Service {
 public:
  explicit LeaseService(ApiContext& context) : context_(context) {}

  grpc::Status LeaseGrant(grpc::ServerContext* context,
                          const etcdserverpb::LeaseGrantRequest* request,
                          etcdserverpb::LeaseGrantResponse* response) override;
  grpc::Status LeaseRevoke(grpc::ServerContext* context,
                           const etcdserverpb::LeaseRevokeRequest* request,
                           etcdserverpb::LeaseRevokeResponse* response) override;
  grpc::Status LeaseKeepAlive(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse,
                               etcdserverpb::LeaseKeepAliveRequest>* stream) override;
  grpc::Status LeaseTimeToLive(grpc::ServerContext* context,
                               const etcdserverpb::LeaseTimeToLiveRequest* request,
                               etcdserverpb::LeaseTimeToLiveResponse* response) override;
  grpc::Status LeaseLeases(grpc::ServerContext* context,
                           const etcdserverpb::LeaseLeasesRequest* request,
                           etcdserverpb::LeaseLeasesResponse* response) override;

 private:
  // One keep-alive, answered here when we lead, forwarded to the leader otherwise.
  grpc::Status keep_alive(int64_t id, etcdserverpb::LeaseKeepAliveResponse* response);

  ApiContext& context_;
};

}  // namespace chorus::api
