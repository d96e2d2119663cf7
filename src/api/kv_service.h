// etcd's KV service: Range, Put, DeleteRange, Txn, Compact.
//
// Served with gRPC's callback API: no thread waits on a proposal or a read barrier. A handler
// checks its request and hands it to the node; the node's responder thread finishes the call
// when the loop has applied the entry (or served the read). With the synchronous API each call held
// a gRPC thread that blocked on a future and had to be woken for the answer: under 256 clients, 256
// threads and a wake-up with two context switches per call.
#pragma once

#include "api/context.h"
#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::api {

class KvService final : public etcdserverpb::KV::CallbackService {
 public:
  explicit KvService(ApiContext& context) : context_(context) {}

  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext* call,
                                  const etcdserverpb::RangeRequest* request,
                                  etcdserverpb::RangeResponse* response) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* call,
                                const etcdserverpb::PutRequest* request,
                                etcdserverpb::PutResponse* response) override;
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext* call,
                                        const etcdserverpb::DeleteRangeRequest* request,
                                        etcdserverpb::DeleteRangeResponse* response) override;
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* call,
                                const etcdserverpb::TxnRequest* request,
                                etcdserverpb::TxnResponse* response) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* call,
                                    const etcdserverpb::CompactionRequest* request,
                                    etcdserverpb::CompactionResponse* response) override;

 private:
  // Proposes `request`; finishes the call with the applied response of type T.
  template <typename T>
  grpc::ServerUnaryReactor* write(grpc::CallbackServerContext* call, internal::Request request,
                                  T* response);
  // Runs `serve` (which fills `response` and says how it went) after the read barrier that
  // `linearizable` asks for; finishes the call.
  template <typename T>
  grpc::ServerUnaryReactor* read(grpc::CallbackServerContext* call, bool linearizable,
                                 std::function<grpc::Status(const node::StateMachine&)> serve,
                                 T* response);

  ApiContext& context_;
};

}  // namespace chorus::api
