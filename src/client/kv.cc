// The KV service: range, put, delete_range, txn, compact.
#include <grpcpp/client_context.h>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/client.h"

namespace chorus::client {

using etcdserverpb::KV;

Result<etcdserverpb::RangeResponse> Client::range(const etcdserverpb::RangeRequest& request) {
  etcdserverpb::RangeResponse response;
  const auto status = invoke(Idempotent::yes, [&](const auto& channel, auto& context) {
    return KV::Stub(channel).Range(&context, request, &response);
  });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::PutResponse> Client::put(const etcdserverpb::PutRequest& request) {
  etcdserverpb::PutResponse response;
  const auto status = invoke(Idempotent::no, [&](const auto& channel, auto& context) {
    return KV::Stub(channel).Put(&context, request, &response);
  });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::DeleteRangeResponse> Client::delete_range(
    const etcdserverpb::DeleteRangeRequest& request) {
  etcdserverpb::DeleteRangeResponse response;
  const auto status = invoke(Idempotent::no, [&](const auto& channel, auto& context) {
    return KV::Stub(channel).DeleteRange(&context, request, &response);
  });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::TxnResponse> Client::txn(const etcdserverpb::TxnRequest& request) {
  etcdserverpb::TxnResponse response;
  // A txn that only reads could be repeated, but telling needs a walk over its ops; a txn that
  // writes must not be. Treat all as writes.
  const auto status = invoke(Idempotent::no, [&](const auto& channel, auto& context) {
    return KV::Stub(channel).Txn(&context, request, &response);
  });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::CompactionResponse> Client::compact(std::int64_t revision, bool physical) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  request.set_physical(physical);
  etcdserverpb::CompactionResponse response;
  // Compacting twice to the same revision fails the second time ("already compacted"), so a
  // repeat after UNAVAILABLE could turn success into an error: not repeated.
  const auto status = invoke(Idempotent::no, [&](const auto& channel, auto& context) {
    return KV::Stub(channel).Compact(&context, request, &response);
  });
  return make_result(status, std::move(response));
}

}  // namespace chorus::client
