#include "api/lease_service.h"

#include <random>

#include "convert/responses.h"

namespace chorus::api {

namespace {
grpc::Status error(convert::ServerError e) {
  return convert::to_grpc(e);
}

// etcd picks a random positive 63-bit id for a grant without one, before proposing it.
int64_t random_lease_id() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  int64_t id = 0;
  while (id <= 0) id = static_cast<int64_t>(generator() >> 1);
  return id;
}
}  // namespace

grpc::Status LeaseService::LeaseGrant(grpc::ServerContext*,
                                      const etcdserverpb::LeaseGrantRequest* request,
                                      etcdserverpb::LeaseGrantResponse* response) {
  internal::Request proposal;
  *proposal.mutable_lease_grant() = *request;
  if (request->id() == 0) proposal.mutable_lease_grant()->set_id(random_lease_id());
  node::Applied applied = context_.propose(std::move(proposal));
  if (!applied.status.ok()) return applied.status;
  *response = std::get<etcdserverpb::LeaseGrantResponse>(applied.response);
  context_.fill_header(response->mutable_header(), response->header().revision());
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseRevoke(grpc::ServerContext*,
                                       const etcdserverpb::LeaseRevokeRequest* request,
                                       etcdserverpb::LeaseRevokeResponse* response) {
  internal::Request proposal;
  *proposal.mutable_lease_revoke() = *request;
  node::Applied applied = context_.propose(std::move(proposal));
  if (!applied.status.ok()) return applied.status;
  *response = std::get<etcdserverpb::LeaseRevokeResponse>(applied.response);
  context_.fill_header(response->mutable_header(), response->header().revision());
  return grpc::Status::OK;
}

grpc::Status LeaseService::keep_alive(int64_t id, etcdserverpb::LeaseKeepAliveResponse* response) {
  node::Node& node = context_.node();
  bool leading = false;
  std::optional<int64_t> ttl;
  int64_t revision = 0;
  node.call([&] {
    leading = node.lessor().primary();
    if (leading) ttl = node.lessor().renew(id, std::chrono::steady_clock::now());
    revision = node.state_machine().store().revision();
  });
  if (leading && !ttl) {
    // A leader that has not yet applied everything committed (a new one, say) may not know a
    // lease granted in an entry it has still to apply, and TTL 0 tells the client its lease is
    // gone. etcd waits for the applied index before renewing; retry once after a read barrier.
    const grpc::Status barrier = context_.read(true, [&](const node::StateMachine& sm) {
      leading = node.lessor().primary();
      if (leading) ttl = node.lessor().renew(id, std::chrono::steady_clock::now());
      revision = sm.store().revision();
    });
    if (!barrier.ok()) return barrier;
  }
  if (leading) {
    response->set_id(id);
    response->set_ttl(ttl.value_or(0));  // etcd answers TTL 0 for a lease it does not know
    context_.fill_header(response->mutable_header(), revision);
    return grpc::Status::OK;
  }
  auto channel = context_.leader_channel();
  if (!channel) return error(convert::ServerError::kNoLeader);
  auto stub = etcdserverpb::Lease::NewStub(channel);
  grpc::ClientContext forward;
  forward.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto leader_stream = stub->LeaseKeepAlive(&forward);
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(id);
  if (!leader_stream->Write(request) || !leader_stream->Read(response)) {
    leader_stream->WritesDone();
    grpc::Status status = leader_stream->Finish();
    return status.ok() ? error(convert::ServerError::kNoLeader) : status;
  }
  leader_stream->WritesDone();
  forward.TryCancel();
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseKeepAlive(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse,
                             etcdserverpb::LeaseKeepAliveRequest>* stream) {
  if (grpc::Status leader = context_.require_leader(*context); !leader.ok()) return leader;
  etcdserverpb::LeaseKeepAliveRequest request;
  while (stream->Read(&request)) {
    etcdserverpb::LeaseKeepAliveResponse response;
    grpc::Status status = keep_alive(request.id(), &response);
    if (!status.ok()) return status;
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseTimeToLive(grpc::ServerContext*,
                                           const etcdserverpb::LeaseTimeToLiveRequest* request,
                                           etcdserverpb::LeaseTimeToLiveResponse* response) {
  node::Node& node = context_.node();
  grpc::Status result;
  bool leading = false;
  grpc::Status barrier = context_.read(true, [&](const node::StateMachine& sm) {
    auto info = sm.store().lease_info(request->id(), request->keys());
    if (!info.ok()) {
      result = convert::to_grpc(info.error());
      return;
    }
    convert::to_pb(info.value(), response);
    response->mutable_header()->set_revision(sm.store().revision());
    leading = node.lessor().primary();
    if (leading) {
      response->set_ttl(node.lessor()
                            .remaining_seconds(request->id(), std::chrono::steady_clock::now())
                            .value_or(-1));
    }
  });
  if (!barrier.ok()) return barrier;
  if (!result.ok()) {
    // etcd answers TimeToLive of an unknown lease with TTL -1, not an error.
    if (result.error_message() == convert::to_grpc(kv::Error::kLeaseNotFound).error_message()) {
      response->Clear();
      response->set_id(request->id());
      response->set_ttl(-1);
      context_.fill_header(response->mutable_header(), node.revision());
      return grpc::Status::OK;
    }
    return result;
  }
  if (!leading) {
    auto channel = context_.leader_channel();
    if (!channel) return error(convert::ServerError::kNoLeader);
    grpc::ClientContext forward;
    forward.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return etcdserverpb::Lease::NewStub(channel)->LeaseTimeToLive(&forward, *request, response);
  }
  context_.fill_header(response->mutable_header(), response->header().revision());
  return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseLeases(grpc::ServerContext*,
                                       const etcdserverpb::LeaseLeasesRequest*,
                                       etcdserverpb::LeaseLeasesResponse* response) {
  int64_t revision = 0;
  grpc::Status barrier = context_.read(true, [&](const node::StateMachine& sm) {
    for (kv::LeaseId id : sm.store().lease_list()) response->add_leases()->set_id(id);
    revision = sm.store().revision();
  });
  if (!barrier.ok()) return barrier;
  context_.fill_header(response->mutable_header(), revision);
  return grpc::Status::OK;
}

}  // namespace chorus::api
