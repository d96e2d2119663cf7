// The Cluster service: membership.
#include <grpcpp/client_context.h>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "client/client.h"

namespace chorus::client {

using etcdserverpb::Cluster;

Result<etcdserverpb::MemberListResponse> Client::member_list(bool linearizable) {
  etcdserverpb::MemberListRequest request;
  request.set_linearizable(linearizable);
  etcdserverpb::MemberListResponse response;
  const auto status =
      invoke({"MemberList", OperationClass::read, Idempotent::yes,
              linearizable ? LeaderFirst::yes : LeaderFirst::no},
             [&](const auto& channel, auto& context) {
               return Cluster::Stub(channel).MemberList(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::MemberAddResponse> Client::member_add(
    const std::vector<std::string>& peer_urls, bool is_learner) {
  etcdserverpb::MemberAddRequest request;
  for (const auto& url : peer_urls) request.add_peerurls(url);
  request.set_islearner(is_learner);
  etcdserverpb::MemberAddResponse response;
  const auto status =
      invoke({"MemberAdd", OperationClass::write, Idempotent::no, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Cluster::Stub(channel).MemberAdd(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::MemberRemoveResponse> Client::member_remove(std::uint64_t id) {
  etcdserverpb::MemberRemoveRequest request;
  request.set_id(id);
  etcdserverpb::MemberRemoveResponse response;
  const auto status =
      invoke({"MemberRemove", OperationClass::write, Idempotent::no, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Cluster::Stub(channel).MemberRemove(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::MemberPromoteResponse> Client::member_promote(std::uint64_t id) {
  etcdserverpb::MemberPromoteRequest request;
  request.set_id(id);
  etcdserverpb::MemberPromoteResponse response;
  const auto status =
      invoke({"MemberPromote", OperationClass::write, Idempotent::no, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Cluster::Stub(channel).MemberPromote(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

Result<etcdserverpb::MemberUpdateResponse> Client::member_update(
    std::uint64_t id, const std::vector<std::string>& peer_urls) {
  etcdserverpb::MemberUpdateRequest request;
  request.set_id(id);
  for (const auto& url : peer_urls) request.add_peerurls(url);
  etcdserverpb::MemberUpdateResponse response;
  const auto status =
      invoke({"MemberUpdate", OperationClass::write, Idempotent::no, LeaderFirst::yes},
             [&](const auto& channel, auto& context) {
               return Cluster::Stub(channel).MemberUpdate(&context, request, &response);
             });
  return make_result(status, std::move(response));
}

}  // namespace chorus::client
