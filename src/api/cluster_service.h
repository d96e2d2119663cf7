// etcd's Cluster service: membership, on top of Raft membership changes (raft/conf_change.h).
#pragma once

#include "api/context.h"
#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::api {

class ClusterService final : public etcdserverpb::Cluster::Service {
 public:
  ClusterService(ApiContext& context, std::string token)
      : context_(context), token_(std::move(token)) {}

  grpc::Status MemberAdd(grpc::ServerContext* context,
                         const etcdserverpb::MemberAddRequest* request,
                         etcdserverpb::MemberAddResponse* response) override;
  grpc::Status MemberRemove(grpc::ServerContext* context,
                            const etcdserverpb::MemberRemoveRequest* request,
                            etcdserverpb::MemberRemoveResponse* response) override;
  grpc::Status MemberUpdate(grpc::ServerContext* context,
                            const etcdserverpb::MemberUpdateRequest* request,
                            etcdserverpb::MemberUpdateResponse* response) override;
  grpc::Status MemberList(grpc::ServerContext* context,
                          const etcdserverpb::MemberListRequest* request,
                          etcdserverpb::MemberListResponse* response) override;
  grpc::Status MemberPromote(grpc::ServerContext* context,
                             const etcdserverpb::MemberPromoteRequest* request,
                             etcdserverpb::MemberPromoteResponse* response) override;

 private:
  // Proposes a one-member change and copies the resulting member list into `members`.
  grpc::Status change(raft::ConfChangeType type, uint64_t id, internal::Member member,
                      google::protobuf::RepeatedPtrField<etcdserverpb::Member>* members);

  ApiContext& context_;
  std::string token_;
};

// A member as etcd's API shows it.
void to_pb(const internal::Member& member, etcdserverpb::Member* out);

}  // namespace chorus::api
