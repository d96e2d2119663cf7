// etcd's Maintenance service: Status, Hash, HashKV, Snapshot, Defragment, Alarm, MoveLeader.
#pragma once

#include "api/context.h"
#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::api {

class MaintenanceService final : public etcdserverpb::Maintenance::Service {
 public:
  explicit MaintenanceService(ApiContext& context) : context_(context) {}

  grpc::Status Alarm(grpc::ServerContext* context, const etcdserverpb::AlarmRequest* request,
                     etcdserverpb::AlarmResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const etcdserverpb::StatusRequest* request,
                      etcdserverpb::StatusResponse* response) override;
  grpc::Status Defragment(grpc::ServerContext* context,
                          const etcdserverpb::DefragmentRequest* request,
                          etcdserverpb::DefragmentResponse* response) override;
  grpc::Status Hash(grpc::ServerContext* context, const etcdserverpb::HashRequest* request,
                    etcdserverpb::HashResponse* response) override;
  grpc::Status HashKV(grpc::ServerContext* context, const etcdserverpb::HashKVRequest* request,
                      etcdserverpb::HashKVResponse* response) override;
  grpc::Status Snapshot(grpc::ServerContext* context, const etcdserverpb::SnapshotRequest* request,
                        grpc::ServerWriter<etcdserverpb::SnapshotResponse>* writer) override;
  grpc::Status MoveLeader(grpc::ServerContext* context,
                          const etcdserverpb::MoveLeaderRequest* request,
                          etcdserverpb::MoveLeaderResponse* response) override;

 private:
  ApiContext& context_;
};

}  // namespace chorus::api
