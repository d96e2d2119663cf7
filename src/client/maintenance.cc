// The Maintenance service: status, hash_kv, move_leader, alarm, defragment.
#include <fmt/format.h>
#include <grpcpp/client_context.h>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/client.h"

namespace chorus::client {

using etcdserverpb::Maintenance;

Result<etcdserverpb::StatusResponse> Client::status() {
  etcdserverpb::StatusRequest request;
  etcdserverpb::StatusResponse response;
  const auto status =
      invoke({"Status", OperationClass::read, Idempotent::yes, LeaderFirst::no},
             [&](const auto& channel, auto& context) {
               return Maintenance::Stub(channel).Status(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::StatusResponse> Client::status_at(std::size_t endpoint_index) {
  etcdserverpb::StatusRequest request;
  etcdserverpb::StatusResponse response;
  const auto status = invoke_at(endpoint_index, [&](const auto& channel, auto& context) {
    return Maintenance::Stub(channel).Status(&context, request, &response);
  });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::HashKVResponse> Client::hash_kv(std::int64_t revision) {
  etcdserverpb::HashKVRequest request;
  request.set_revision(revision);
  etcdserverpb::HashKVResponse response;
  const auto status =
      invoke({"HashKV", OperationClass::read, Idempotent::yes, LeaderFirst::no},
             [&](const auto& channel, auto& context) {
               return Maintenance::Stub(channel).HashKV(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::MoveLeaderResponse> Client::move_leader(std::uint64_t target_id) {
  // Only the leader can transfer leadership (a follower answers "not leader"), so find the
  // endpoint that says it is the leader, as etcdctl move-leader does.
  std::optional<std::size_t> leader_endpoint;
  etcdserverpb::ResponseHeader leader_header;
  grpc::Status last = grpc::Status(grpc::StatusCode::UNAVAILABLE, "no leader among the endpoints");
  for (std::size_t index = 0; index < endpoints_.size() && !leader_endpoint; ++index) {
    auto endpoint_status = status_at(index);
    if (!endpoint_status.ok()) {
      last = endpoint_status.error();
      continue;
    }
    if (endpoint_status->leader() != 0 &&
        endpoint_status->leader() == endpoint_status->header().member_id()) {
      leader_endpoint = index;
      leader_header = endpoint_status->header();
    }
  }
  if (!leader_endpoint) {
    return grpc::Status(last.error_code(),
                        fmt::format("no endpoint is the leader ({})", last.error_message()));
  }
  etcdserverpb::MoveLeaderRequest request;
  request.set_targetid(target_id);
  etcdserverpb::MoveLeaderResponse response;
  const auto status = invoke_at(*leader_endpoint, [&](const auto& channel, auto& context) {
    return Maintenance::Stub(channel).MoveLeader(&context, request, &response);
  });
  // etcd 3.4 answers with an empty header; callers report "transferred from <leader>", so name
  // the member that was asked.
  if (status.ok() && response.header().member_id() == 0) {
    *response.mutable_header() = leader_header;
  }
  return make_result(status, std::move(response));
}

Result<etcdserverpb::AlarmResponse> Client::alarm(const etcdserverpb::AlarmRequest& request) {
  etcdserverpb::AlarmResponse response;
  const bool only_reads = request.action() == etcdserverpb::AlarmRequest::GET;
  const Call call{"Alarm", only_reads ? OperationClass::read : OperationClass::write,
                  only_reads ? Idempotent::yes : Idempotent::no,
                  only_reads ? LeaderFirst::no : LeaderFirst::yes};
  const auto status = invoke(call, [&](const auto& channel, auto& context) {
    return Maintenance::Stub(channel).Alarm(&context, request, &response);
  });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::DefragmentResponse> Client::defragment() {
  etcdserverpb::DefragmentRequest request;
  etcdserverpb::DefragmentResponse response;
  // Defragmenting is per member and leaves the data as it was: repeating it is harmless.
  const auto status =
      invoke({"Defragment", OperationClass::write, Idempotent::yes, LeaderFirst::no},
             [&](const auto& channel, auto& context) {
               return Maintenance::Stub(channel).Defragment(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

}  // namespace chorus::client
