#include "api/lock_service.h"

namespace chorus::api {

namespace {
grpc::Status error(convert::ServerError e) {
  return convert::to_grpc(e);
}
}  // namespace

grpc::Status LockService::Lock(grpc::ServerContext* context, const v3lockpb::LockRequest* request,
                               v3lockpb::LockResponse* response) {
  mvccpb::KeyValue mine;
  if (grpc::Status s = queue_.enqueue(request->name(), request->lease(), "", &mine); !s.ok()) {
    return s;
  }
  grpc::Status held = queue_.wait_until_first(*context, request->name(), mine);
  if (!held.ok()) {
    // Give up our place in the queue, as etcd's Mutex.Lock does on error.
    bool deleted = false;
    (void)queue_.remove(mine.key(), mine.create_revision(), &deleted);
    return held;
  }
  response->set_key(mine.key());
  queue_.context().fill_header(response->mutable_header(), queue_.revision());
  return grpc::Status::OK;
}

grpc::Status LockService::Unlock(grpc::ServerContext*, const v3lockpb::UnlockRequest* request,
                                 v3lockpb::UnlockResponse* response) {
  bool deleted = false;
  if (grpc::Status s = queue_.remove(request->key(), 0, &deleted); !s.ok()) return s;
  queue_.context().fill_header(response->mutable_header(), queue_.revision());
  return grpc::Status::OK;
}

grpc::Status ElectionService::Campaign(grpc::ServerContext* context,
                                       const v3electionpb::CampaignRequest* request,
                                       v3electionpb::CampaignResponse* response) {
  mvccpb::KeyValue mine;
  if (grpc::Status s = queue_.enqueue(request->name(), request->lease(), request->value(), &mine);
      !s.ok()) {
    return s;
  }
  if (mine.value() != request->value()) {
    // Campaigning again with the same lease: the new value is proclaimed (etcd does the same).
    bool updated = false;
    (void)queue_.update(mine.key(), mine.create_revision(), request->value(), &updated);
  }
  grpc::Status leading = queue_.wait_until_first(*context, request->name(), mine);
  if (!leading.ok()) {
    bool deleted = false;
    (void)queue_.remove(mine.key(), mine.create_revision(), &deleted);
    return leading;
  }
  v3electionpb::LeaderKey* leader = response->mutable_leader();
  leader->set_name(request->name());
  leader->set_key(mine.key());
  leader->set_rev(mine.create_revision());
  leader->set_lease(request->lease());
  queue_.context().fill_header(response->mutable_header(), queue_.revision());
  return grpc::Status::OK;
}

grpc::Status ElectionService::Proclaim(grpc::ServerContext*,
                                       const v3electionpb::ProclaimRequest* request,
                                       v3electionpb::ProclaimResponse* response) {
  bool updated = false;
  if (grpc::Status s = queue_.update(request->leader().key(), request->leader().rev(),
                                     request->value(), &updated);
      !s.ok()) {
    return s;
  }
  if (!updated) return error(convert::ServerError::kElectionNotLeader);
  queue_.context().fill_header(response->mutable_header(), queue_.revision());
  return grpc::Status::OK;
}

grpc::Status ElectionService::Leader(grpc::ServerContext*,
                                     const v3electionpb::LeaderRequest* request,
                                     v3electionpb::LeaderResponse* response) {
  std::optional<mvccpb::KeyValue> head;
  int64_t revision = 0;
  if (grpc::Status s = queue_.first(request->name(), &head, &revision); !s.ok()) return s;
  if (!head) return error(convert::ServerError::kElectionNoLeader);
  *response->mutable_kv() = *head;
  queue_.context().fill_header(response->mutable_header(), revision);
  return grpc::Status::OK;
}

grpc::Status ElectionService::Observe(grpc::ServerContext* context,
                                      const v3electionpb::LeaderRequest* request,
                                      grpc::ServerWriter<v3electionpb::LeaderResponse>* writer) {
  node::Node& node = queue_.context().node();
  std::optional<mvccpb::KeyValue> last;
  while (!context->IsCancelled() && !node.stopped()) {
    const int64_t seen = node.revision();
    std::optional<mvccpb::KeyValue> head;
    int64_t revision = 0;
    if (grpc::Status s = queue_.first(request->name(), &head, &revision); !s.ok()) return s;
    const bool changed = head && (!last || head->key() != last->key() ||
                                  head->mod_revision() != last->mod_revision());
    if (changed) {
      v3electionpb::LeaderResponse response;
      *response.mutable_kv() = *head;
      queue_.context().fill_header(response.mutable_header(), revision);
      if (!writer->Write(response)) break;
      last = head;
    }
    node.wait_for_revision_after(seen,
                                 std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
  }
  return grpc::Status::OK;
}

grpc::Status ElectionService::Resign(grpc::ServerContext*,
                                     const v3electionpb::ResignRequest* request,
                                     v3electionpb::ResignResponse* response) {
  bool deleted = false;
  if (grpc::Status s = queue_.remove(request->leader().key(), request->leader().rev(), &deleted);
      !s.ok()) {
    return s;
  }
  queue_.context().fill_header(response->mutable_header(), queue_.revision());
  return grpc::Status::OK;
}

}  // namespace chorus::api
