// The Lease service: grant, revoke, one keep-alive, time-to-live, the list of leases.
#include <grpcpp/client_context.h>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/client.h"

namespace chorus::client {

using etcdserverpb::Lease;

Result<etcdserverpb::LeaseGrantResponse> Client::lease_grant(std::int64_t ttl_seconds,
                                                             std::int64_t id) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl_seconds);
  request.set_id(id);
  etcdserverpb::LeaseGrantResponse response;
  const auto status =
      invoke({"LeaseGrant", OperationClass::write, Idempotent::no, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Lease::Stub(channel).LeaseGrant(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::LeaseRevokeResponse> Client::lease_revoke(std::int64_t id) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(id);
  etcdserverpb::LeaseRevokeResponse response;
  const auto status =
      invoke({"LeaseRevoke", OperationClass::write, Idempotent::no, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Lease::Stub(channel).LeaseRevoke(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::LeaseKeepAliveResponse> Client::lease_keep_alive_once(std::int64_t id) {
  etcdserverpb::LeaseKeepAliveResponse response;
  // Refreshing a lease twice only extends it to the same TTL: safe to repeat.
  const auto status =
      invoke({"LeaseKeepAlive", OperationClass::write, Idempotent::yes, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               auto stream = Lease::Stub(channel).LeaseKeepAlive(&context);
               etcdserverpb::LeaseKeepAliveRequest request;
               request.set_id(id);
               if (stream->Write(request) && stream->Read(&response)) {
                 stream->WritesDone();
                 // The server may keep the stream open after WritesDone; Finish would then wait for
                 // the deadline. We have what we came for: end the stream from our side.
                 context.TryCancel();
                 stream->Finish().IgnoreError();
                 return grpc::Status::OK;
               }
               return stream->Finish();
             });
  if (status.ok() && response.ttl() <= 0) {
    // etcd answers an unknown or expired lease with TTL 0 rather than an error; clientv3 turns
    // that into "requested lease not found", and so do we.
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "etcdserver: requested lease not found");
  }
  return make_result(status, std::move(response));
}

Result<etcdserverpb::LeaseTimeToLiveResponse> Client::lease_time_to_live(std::int64_t id,
                                                                         bool with_keys) {
  etcdserverpb::LeaseTimeToLiveRequest request;
  request.set_id(id);
  request.set_keys(with_keys);
  etcdserverpb::LeaseTimeToLiveResponse response;
  const auto status =
      invoke({"LeaseTimeToLive", OperationClass::read, Idempotent::yes, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Lease::Stub(channel).LeaseTimeToLive(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::LeaseLeasesResponse> Client::lease_leases() {
  etcdserverpb::LeaseLeasesRequest request;
  etcdserverpb::LeaseLeasesResponse response;
  const auto status =
      invoke({"LeaseLeases", OperationClass::read, Idempotent::yes, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Lease::Stub(channel).LeaseLeases(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

}  // namespace chorus::client
