// etcd's Lock and Election services (v3lockpb, v3electionpb), built on QueueKeys.
#pragma once

#include "api/context.h"
#include "api/queue_keys.h"
#include "server/v3election/v3electionpb/v3election.grpc.pb.h"
#include "server/v3lock/v3lockpb/v3lock.grpc.pb.h"

namespace chorus::api {

class LockService final : public v3lockpb::Lock::Service {
 public:
  explicit LockService(ApiContext& context) : queue_(context) {}

  grpc::Status Lock(grpc::ServerContext* context, const v3lockpb::LockRequest* request,
                    v3lockpb::LockResponse* response) override;
  grpc::Status Unlock(grpc::ServerContext* context, const v3lockpb::UnlockRequest* request,
                      v3lockpb::UnlockResponse* response) override;

 private:
  QueueKeys queue_;
};

class ElectionService final : public v3electionpb::Election::Service {
 public:
  explicit ElectionService(ApiContext& context) : queue_(context) {}

  grpc::Status Campaign(grpc::ServerContext* context, const v3electionpb::CampaignRequest* request,
                        v3electionpb::CampaignResponse* response) override;
  grpc::Status Proclaim(grpc::ServerContext* context, const v3electionpb::ProclaimRequest* request,
                        v3electionpb::ProclaimResponse* response) override;
  grpc::Status Leader(grpc::ServerContext* context, const v3electionpb::LeaderRequest* request,
                      v3electionpb::LeaderResponse* response) override;
  grpc::Status Observe(grpc::ServerContext* context, const v3electionpb::LeaderRequest* request,
                       grpc::ServerWriter<v3electionpb::LeaderResponse>* writer) override;
  grpc::Status Resign(grpc::ServerContext* context, const v3electionpb::ResignRequest* request,
                      v3electionpb::ResignResponse* response) override;

 private:
  QueueKeys queue_;
};

}  // namespace chorus::api
