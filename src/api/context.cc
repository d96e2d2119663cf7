#include "api/context.h"

#include "node/identity.h"

namespace chorus::api {

void ApiContext::fill_header(etcdserverpb::ResponseHeader* header, int64_t revision) const {
  header->set_cluster_id(node_.cluster_id());
  header->set_member_id(node_.id());
  header->set_revision(revision);
  header->set_raft_term(node_.term());
}

node::Applied ApiContext::propose(internal::Request request) {
  if (request.ByteSizeLong() > max_request_bytes_) {
    return node::Applied{convert::to_grpc(convert::ServerError::kRequestTooLarge), {}};
  }
  auto future = node_.propose(std::move(request));
  // The node answers every proposal by its own deadline; the margin covers a busy loop.
  if (future.wait_for(node_.options().request_timeout + std::chrono::seconds(1)) !=
      std::future_status::ready) {
    return node::Applied{convert::to_grpc(convert::ServerError::kTimeout), {}};
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    return node::Applied{convert::to_grpc(convert::ServerError::kStopped), {}};
  }
}

grpc::Status ApiContext::read(bool linearizable, std::function<void(node::StateMachine&)> read) {
  auto future = node_.read(linearizable, std::move(read));
  if (future.wait_for(node_.options().request_timeout + std::chrono::seconds(1)) !=
      std::future_status::ready) {
    return convert::to_grpc(convert::ServerError::kTimeout);
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    return convert::to_grpc(convert::ServerError::kStopped);
  }
}

std::shared_ptr<grpc::Channel> ApiContext::leader_channel() {
  const uint64_t leader = node_.leader();
  if (leader == 0 || leader == node_.id()) return nullptr;
  std::string url;
  node_.call([&] {
    if (const internal::Member* m = node_.state_machine().member(leader)) {
      if (!m->client_urls().empty()) url = m->client_urls(0);
    }
  });
  auto address = node::parse_url(url);
  if (!address) return nullptr;
  const std::string target = address->host + ":" + std::to_string(address->port);
  std::lock_guard lock(channels_mutex_);
  auto& channel = channels_[target];
  if (!channel) channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  return channel;
}

grpc::Status ApiContext::require_leader(const grpc::ServerContext& context) const {
  auto it = context.client_metadata().find("hasleader");
  if (it == context.client_metadata().end() || it->second != "true") return grpc::Status::OK;
  if (node_.leader() != 0) return grpc::Status::OK;
  return convert::to_grpc(convert::ServerError::kNoLeader);
}

}  // namespace chorus::api
