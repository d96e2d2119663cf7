#include "api/maintenance_service.h"

#include <fmt/format.h>
#include <openssl/sha.h>

#include <thread>

#include "convert/responses.h"

namespace chorus::api {

namespace {
grpc::Status error(convert::ServerError e) {
  return convert::to_grpc(e);
}

}  // namespace

namespace {
// What the Snapshot stream carries: etcdctl (and clientv3's snapshot.Save) accept a stream only
// when its length is a multiple of 512 plus 32 (etcd's bbolt file, page-aligned, followed by its
// SHA-256). So: an 8-byte little-endian length, the state machine's snapshot, zeros up to a
// multiple of 512, then the SHA-256 of all of that. The length lets Chorus find its snapshot
// again behind the padding.
std::string snapshot_stream_bytes(const std::string& snapshot) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(snapshot.size() >> (8 * i)));
  out += snapshot;
  out.resize((out.size() + 511) / 512 * 512, '\0');
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(out.data()), out.size(), digest);
  out.append(reinterpret_cast<const char*>(digest), sizeof(digest));
  return out;
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
  response->set_dbsize(node.db_size());
  response->set_dbsizeinuse(node.db_size());
  response->set_leader(view.leader);
  response->set_raftindex(view.commit);
  response->set_raftterm(view.term);
  response->set_raftappliedindex(view.applied);
  response->set_islearner(view.is_learner);
  if (view.leader == 0) response->add_errors("etcdserver: no leader");
  // etcd lists active alarms as their protobuf text form.
  node.call([&] {
    for (const etcdserverpb::AlarmMember& alarm : node.state_machine().cluster().alarms()) {
      response->add_errors(fmt::format("memberID:{} alarm:{} ", alarm.memberid(),
                                       etcdserverpb::AlarmType_Name(alarm.alarm())));
    }
  });
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
  grpc::Status barrier = context_.read(false, [&](const node::StateMachine& sm) {
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
  grpc::Status barrier = context_.read(false, [&](const node::StateMachine& sm) {
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
  // The state machine's snapshot (the same bytes a follower installs), streamed in chunks. The
  // node serializes it between entries (Node::export_snapshot), so a large store does not stop
  // writes while it is read out; etcd's stream format needs its length first, so it is whole
  // here before the first chunk goes.
  node::Node::ExportedSnapshot exported = context_.node().export_snapshot().get();
  if (!exported.status.ok()) return exported.status;
  const int64_t revision = exported.revision;
  const std::string data = snapshot_stream_bytes(exported.data);
  std::string().swap(exported.data);
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
  if (request->targetid() == node.id()) {
    // Already there: etcd answers success at once.
    context_.fill_header(response->mutable_header(), node.revision());
    return grpc::Status::OK;
  }
  if (!voter) return error(convert::ServerError::kBadLeaderTransferee);
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
