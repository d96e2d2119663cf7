// etcd's KV service: Range, Put, DeleteRange, Txn, Compact.
#pragma once

#include "api/context.h"
#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::api {

class KvService final : public etcdserverpb::KV::Service {
 public:
  explicit KvService(ApiContext& context) : context_(context) {}

  grpc::Status Range(grpc::ServerContext* context, const etcdserverpb::RangeRequest* request,
                     etcdserverpb::RangeResponse* response) override;
  grpc::Status Put(grpc::ServerContext* context, const etcdserverpb::PutRequest* request,
                   etcdserverpb::PutResponse* response) override;
  grpc::Status DeleteRange(grpc::ServerContext* context,
                           const etcdserverpb::DeleteRangeRequest* request,
                           etcdserverpb::DeleteRangeResponse* response) override;
  grpc::Status Txn(grpc::ServerContext* context, const etcdserverpb::TxnRequest* request,
                   etcdserverpb::TxnResponse* response) override;
  grpc::Status Compact(grpc::ServerContext* context, const etcdserverpb::CompactionRequest* request,
                       etcdserverpb::CompactionResponse* response) override;

 private:
  // Proposes `request` and copies the applied response of type T into `response`.
  template <typename T>
  grpc::Status write(internal::Request request, T* response);

  ApiContext& context_;
};

}  // namespace chorus::api
