#include "api/maintenance_service.h"

#include <filesystem>
#include <thread>

#include "convert/responses.h"

namespace chorus::api {

namespace {
grpc::Status error(convert::ServerError e) {
  return convert::to_grpc(e);
}

// Bytes this member keeps on disk (WAL segments, snapshot files): what etcd calls the db size
// is its bbolt file; ours is the WAL plus snapshots.
int64_t bytes_on_disk(const std::string& dir) {
  std::error_code ignored;
  int64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ignored);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ignored)) {
    if (it->is_regular_file(ignored)) total += static_cast<int64_t>(it->file_size(ignored));
  }
  return total;
}
}  // namespace

grpc::Status MaintenanceService::Alarm(grpc::ServerContext*,
                                       const etcdserverpb::AlarmRequest* request,
                                       etcdserverpb::AlarmResponse* response) {
  internal::Request proposal;
  *proposal.mutable_alarm() = *request;
  node::Applied applied = context_.propose(std::move(proposal));
  if (!applied.status.ok()) return applied.status;
  *response = std::get<etcdserverpb::AlarmResponse>(applied.response);
  context_.fill_header(response->mutable_header(), response->header().revision());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::Status(grpc::ServerContext*, const etcdserverpb::StatusRequest*,
                                        etcdserverpb::StatusResponse* response) {
  node::Node& node = context_.node();
  const node::RaftView view = node.raft_view();
  response->set_version(kServerVersion);
  const int64_t size = bytes_on_disk(node.options().data_dir);
  response->set_dbsize(size);
  response->set_dbsizeinuse(size);
  response->set_leader(view.leader);
  response->set_raftindex(view.commit);
  response->set_raftterm(view.term);
  response->set_raftappliedindex(view.applied);
  response->set_islearner(view.is_learner);
  if (view.leader == 0) response->add_errors("etcdserver: no leader");
  context_.fill_header(response->mutable_header(), node.revision());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::Defragment(grpc::ServerContext*,
                                            const etcdserverpb::DefragmentRequest*,
                                            etcdserverpb::DefragmentResponse* response) {
  // Nothing to do: compaction frees space in small slices as it goes (no stop-the-world
  // defragmentation, unlike etcd's bbolt).
  context_.fill_header(response->mutable_header(), context_.node().revision());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::Hash(grpc::ServerContext*, const etcdserverpb::HashRequest*,
                                      etcdserverpb::HashResponse* response) {
  // etcd hashes its whole bbolt file; the nearest thing here is the hash of all history.
  grpc::Status result;
  grpc::Status barrier = context_.read(false, [&](node::StateMachine& sm) {
    auto hash = sm.store().hash_kv(0);
    if (!hash.ok()) {
      result = convert::to_grpc(hash.error());
      return;
    }
    response->set_hash(hash.value().hash);
    context_.fill_header(response->mutable_header(), hash.value().revision);
  });
  return barrier.ok() ? result : barrier;
}

grpc::Status MaintenanceService::HashKV(grpc::ServerContext*,
                                        const etcdserverpb::HashKVRequest* request,
                                        etcdserverpb::HashKVResponse* response) {
  grpc::Status result;
  grpc::Status barrier = context_.read(false, [&](node::StateMachine& sm) {
    auto hash = sm.store().hash_kv(request->revision());
    if (!hash.ok()) {
      result = convert::to_grpc(hash.error());
      return;
    }
    convert::to_pb(hash.value(), response);
  });
  if (!barrier.ok()) return barrier;
  if (!result.ok()) return result;
  context_.fill_header(response->mutable_header(), response->header().revision());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::Snapshot(
    grpc::ServerContext*, const etcdserverpb::SnapshotRequest*,
    grpc::ServerWriter<etcdserverpb::SnapshotResponse>* writer) {
  // The state machine's snapshot (the same bytes a follower installs), streamed in chunks.
  std::string data;
  int64_t revision = 0;
  grpc::Status barrier = context_.read(false, [&](node::StateMachine& sm) {
    data = sm.snapshot();
    revision = sm.store().revision();
  });
  if (!barrier.ok()) return barrier;
  constexpr size_t kChunk = 32 * 1024;
  size_t offset = 0;
  do {
    etcdserverpb::SnapshotResponse chunk;
    const size_t size = std::min(kChunk, data.size() - offset);
    chunk.set_blob(data.substr(offset, size));
    offset += size;
    chunk.set_remaining_bytes(data.size() - offset);
    context_.fill_header(chunk.mutable_header(), revision);
    if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  } while (offset < data.size());
  return grpc::Status::OK;
}

grpc::Status MaintenanceService::MoveLeader(grpc::ServerContext*,
                                            const etcdserverpb::MoveLeaderRequest* request,
                                            etcdserverpb::MoveLeaderResponse* response) {
  node::Node& node = context_.node();
  bool leading = false;
  bool voter = false;
  node.call([&] {
    leading = node.lessor().primary();
    voter = node.raft().tracker().is_voter(raft::NodeId{request->targetid()});
  });
  if (!leading) return error(convert::ServerError::kNotLeader);
  if (!voter || request->targetid() == node.id()) {
    return error(convert::ServerError::kBadLeaderTransferee);
  }
  node.post([&node, target = request->targetid()] { node.transfer_leadership(target); });
  const auto deadline = std::chrono::steady_clock::now() + node.options().request_timeout;
  while (node.leader() != request->targetid()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return error(convert::ServerError::kTimeout);
    }
    node.wait_for_revision_after(std::numeric_limits<int64_t>::max(),
                                 std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
  }
  context_.fill_header(response->mutable_header(), node.revision());
  return grpc::Status::OK;
}

}  // namespace chorus::api
