#include "api/cluster_service.h"

#include "node/identity.h"

namespace chorus::api {

namespace {
grpc::Status error(convert::ServerError e) {
  return convert::to_grpc(e);
}
}  // namespace

void to_pb(const internal::Member& member, etcdserverpb::Member* out) {
  out->set_id(member.id());
  out->set_name(member.name());
  for (const std::string& url : member.peer_urls()) out->add_peerurls(url);
  for (const std::string& url : member.client_urls()) out->add_clienturls(url);
  out->set_islearner(member.is_learner());
}

grpc::Status ClusterService::change(
    raft::ConfChangeType type, uint64_t id, internal::Member member,
    google::protobuf::RepeatedPtrField<etcdserverpb::Member>* members) {
  raft::ConfChange conf_change;
  conf_change.changes.push_back({type, raft::NodeId{id}});
  auto future = context_.node().change_membership(std::move(conf_change), std::move(member));
  if (future.wait_for(context_.node().options().request_timeout + std::chrono::seconds(1)) !=
      std::future_status::ready) {
    return error(convert::ServerError::kTimeout);
  }
  node::Applied applied;
  try {
    applied = future.get();
  } catch (const std::future_error&) {
    return error(convert::ServerError::kStopped);
  }
  if (!applied.status.ok()) return applied.status;
  const auto& cluster = std::get<internal::ClusterState>(applied.response);
  for (const internal::Member& m : cluster.members()) to_pb(m, members->Add());
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberAdd(grpc::ServerContext*,
                                       const etcdserverpb::MemberAddRequest* request,
                                       etcdserverpb::MemberAddResponse* response) {
  std::vector<std::string> urls(request->peerurls().begin(), request->peerurls().end());
  if (urls.empty()) return error(convert::ServerError::kMemberBadURLs);
  for (const std::string& url : urls) {
    if (!node::parse_url(url)) return error(convert::ServerError::kMemberBadURLs);
  }
  const uint64_t id = node::member_id(urls, token_);
  grpc::Status refused;
  grpc::Status barrier = context_.read(true, [&](const node::StateMachine& sm) {
    for (const internal::Member& m : sm.cluster().members()) {
      for (const std::string& url : m.peer_urls()) {
        if (std::find(urls.begin(), urls.end(), url) != urls.end()) {
          refused = error(convert::ServerError::kPeerUrlExist);
          return;
        }
      }
    }
  });
  if (!barrier.ok()) return barrier;
  if (!refused.ok()) return refused;
  internal::Member member;
  member.set_id(id);
  for (const std::string& url : urls) member.add_peer_urls(url);
  member.set_is_learner(request->islearner());
  grpc::Status status = change(
      request->islearner() ? raft::ConfChangeType::kAddLearner : raft::ConfChangeType::kAddNode, id,
      member, response->mutable_members());
  if (!status.ok()) return status;
  to_pb(member, response->mutable_member());
  // etcd's cluster responses carry no revision.
  context_.fill_header(response->mutable_header(), 0);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberRemove(grpc::ServerContext*,
                                          const etcdserverpb::MemberRemoveRequest* request,
                                          etcdserverpb::MemberRemoveResponse* response) {
  bool known = false;
  grpc::Status barrier = context_.read(
      true, [&](const node::StateMachine& sm) { known = sm.member(request->id()) != nullptr; });
  if (!barrier.ok()) return barrier;
  if (!known) return error(convert::ServerError::kMemberNotFound);
  grpc::Status status =
      change(raft::ConfChangeType::kRemoveNode, request->id(), {}, response->mutable_members());
  if (!status.ok()) return status;
  // etcd's cluster responses carry no revision.
  context_.fill_header(response->mutable_header(), 0);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberUpdate(grpc::ServerContext*,
                                          const etcdserverpb::MemberUpdateRequest* request,
                                          etcdserverpb::MemberUpdateResponse* response) {
  for (const std::string& url : request->peerurls()) {
    if (!node::parse_url(url)) return error(convert::ServerError::kMemberBadURLs);
  }
  internal::Request proposal;
  internal::Member* member = proposal.mutable_member_update();
  member->set_id(request->id());
  for (const std::string& url : request->peerurls()) member->add_peer_urls(url);
  node::Applied applied = context_.propose(std::move(proposal));
  if (!applied.status.ok()) return applied.status;
  for (const internal::Member& m : std::get<internal::ClusterState>(applied.response).members()) {
    to_pb(m, response->add_members());
  }
  // etcd's cluster responses carry no revision.
  context_.fill_header(response->mutable_header(), 0);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberList(grpc::ServerContext*,
                                        const etcdserverpb::MemberListRequest* request,
                                        etcdserverpb::MemberListResponse* response) {
  grpc::Status barrier = context_.read(request->linearizable(), [&](const node::StateMachine& sm) {
    for (const internal::Member& m : sm.cluster().members()) to_pb(m, response->add_members());
  });
  if (!barrier.ok()) return barrier;
  // etcd's cluster responses carry no revision.
  context_.fill_header(response->mutable_header(), 0);
  return grpc::Status::OK;
}

grpc::Status ClusterService::MemberPromote(grpc::ServerContext*,
                                           const etcdserverpb::MemberPromoteRequest* request,
                                           etcdserverpb::MemberPromoteResponse* response) {
  node::Node& node = context_.node();
  grpc::Status refused;
  grpc::Status barrier = context_.read(true, [&](const node::StateMachine& sm) {
    const internal::Member* member = sm.member(request->id());
    if (member == nullptr) {
      refused = error(convert::ServerError::kMemberNotFound);
    } else if (!member->is_learner()) {
      refused = error(convert::ServerError::kMemberNotLearner);
    } else if (node.lessor().primary()) {
      // On the leader: a learner is promoted only once it holds 90% of the leader's log, so
      // that the new voter does not stall commits while it catches up (etcd's rule).
      const raft::Progress* progress = node.raft().tracker().find(raft::NodeId{request->id()});
      const uint64_t leader_match = node.raft().log().last_index().value;
      if (progress == nullptr || progress->match().value * 10 < leader_match * 9) {
        refused = error(convert::ServerError::kMemberLearnerNotReady);
      }
    }
  });
  if (!barrier.ok()) return barrier;
  if (!refused.ok()) return refused;
  grpc::Status status =
      change(raft::ConfChangeType::kAddNode, request->id(), {}, response->mutable_members());
  if (!status.ok()) return status;
  // etcd's cluster responses carry no revision.
  context_.fill_header(response->mutable_header(), 0);
  return grpc::Status::OK;
}

}  // namespace chorus::api
