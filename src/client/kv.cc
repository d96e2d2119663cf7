// The KV service: range, put, delete_range, txn, compact.
#include <grpcpp/client_context.h>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/client.h"
#include "client/retry_safety.h"

namespace chorus::client {

using etcdserverpb::KV;

Result<etcdserverpb::RangeResponse> Client::range(const etcdserverpb::RangeRequest& request) {
  etcdserverpb::RangeResponse response;
  // A serializable read is served by whichever member gets it: no hop to save.
  const LeaderFirst leader_first = request.serializable() ? LeaderFirst::no : LeaderFirst::yes;
  const auto status = invoke({"Range", OperationClass::read, Idempotent::yes, leader_first},
                             [&](const auto& channel, auto& context) {
                               return KV::Stub(channel).Range(&context, request, &response);
                             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::PutResponse> Client::put(const etcdserverpb::PutRequest& request) {
  etcdserverpb::PutResponse response;
  const auto status = invoke({"Put", OperationClass::write, Idempotent::no, LeaderFirst::yes},
                             [&](const auto& channel, auto& context) {
                               return KV::Stub(channel).Put(&context, request, &response);
                             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::DeleteRangeResponse> Client::delete_range(
    const etcdserverpb::DeleteRangeRequest& request) {
  etcdserverpb::DeleteRangeResponse response;
  const auto status =
      invoke({"DeleteRange", OperationClass::write, Idempotent::no, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return KV::Stub(channel).DeleteRange(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::TxnResponse> Client::txn(const etcdserverpb::TxnRequest& request) {
  etcdserverpb::TxnResponse response;
  // A txn that only reads, or whose compares pin every key it writes, cannot apply twice: it
  // may be repeated after an unknown outcome (retry_safety.h). Any other txn must not be.
  const bool read_only = txn_is_read_only(request);
  const Call call{"Txn", read_only ? OperationClass::read : OperationClass::write,
                  txn_is_retry_safe(request) ? Idempotent::yes : Idempotent::no, LeaderFirst::yes};
  const auto status = invoke(call, [&](const auto& channel, auto& context) {
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
  const auto status = invoke({"Compact", OperationClass::write, Idempotent::no, LeaderFirst::yes},
                             [&](const auto& channel, auto& context) {
                               return KV::Stub(channel).Compact(&context, request, &response);
                             });
  return make_result(status, std::move(response));
}

}  // namespace chorus::client
