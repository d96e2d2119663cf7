#include "node/state_machine.h"

#include <algorithm>
#include <limits>

#include "base/invariant.h"
#include "convert/errors.h"
#include "convert/requests.h"
#include "convert/responses.h"

namespace chorus::node {

StateMachine::StateMachine(kv::StoreOptions options)
    : options_(options), store_(options), watches_(store_) {
  wire_watches();
}

void StateMachine::wire_watches() {
  store_.set_event_sink([this](kv::Revision revision, const std::vector<kv::Event>& events) {
    watches_.on_apply(revision, events);
  });
}

void StateMachine::bootstrap(const internal::ClusterState& cluster) {
  cluster_ = cluster;
}

const internal::Member* StateMachine::member(uint64_t id) const {
  for (const internal::Member& m : cluster_.members()) {
    if (m.id() == id) return &m;
  }
  return nullptr;
}

bool StateMachine::removed(uint64_t id) const {
  const auto& ids = cluster_.removed();
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

namespace {
template <typename Response, typename KvResult>
Applied answer(const KvResult& result) {
  Applied out;
  if (!result.ok()) {
    out.status = convert::to_grpc(result.error());
    return out;
  }
  Response response;
  convert::to_pb(result.value(), &response);
  out.response = std::move(response);
  return out;
}
}  // namespace

Applied StateMachine::apply(const internal::Request& request) {
  switch (request.op_case()) {
    case internal::Request::kPut:
      return answer<etcdserverpb::PutResponse>(store_.put(convert::to_kv(request.put())));
    case internal::Request::kDeleteRange:
      return answer<etcdserverpb::DeleteRangeResponse>(
          store_.delete_range(convert::to_kv(request.delete_range())));
    case internal::Request::kTxn:
      return answer<etcdserverpb::TxnResponse>(store_.txn(convert::to_kv(request.txn())));
    case internal::Request::kCompaction:
      // The compaction point moves now; the history below it is dropped by the node loop in
      // small slices (compact_step), so that no write waits long behind it.
      return answer<etcdserverpb::CompactionResponse>(
          store_.compact(request.compaction().revision()));
    case internal::Request::kLeaseGrant:
      return answer<etcdserverpb::LeaseGrantResponse>(
          store_.lease_grant(request.lease_grant().id(), request.lease_grant().ttl()));
    case internal::Request::kLeaseRevoke:
      return answer<etcdserverpb::LeaseRevokeResponse>(
          store_.lease_revoke(request.lease_revoke().id()));
    case internal::Request::kMemberAttributes: {
      const internal::MemberAttributes& attributes = request.member_attributes();
      for (internal::Member& m : *cluster_.mutable_members()) {
        if (m.id() != attributes.id()) continue;
        m.set_name(attributes.name());
        *m.mutable_client_urls() = attributes.client_urls();
      }
      return Applied{};
    }
    case internal::Request::kAlarm:
      return apply_alarm(request.alarm());
    case internal::Request::kMemberUpdate: {
      Applied out;
      for (internal::Member& m : *cluster_.mutable_members()) {
        if (m.id() == request.member_update().id()) {
          *m.mutable_peer_urls() = request.member_update().peer_urls();
          out.response = cluster_;
          return out;
        }
      }
      out.status = convert::to_grpc(convert::ServerError::kMemberNotFound);
      return out;
    }
    case internal::Request::OP_NOT_SET:
      break;
  }
  Applied out;
  out.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "chorus: empty request in log");
  return out;
}

Applied StateMachine::apply_alarm(const etcdserverpb::AlarmRequest& request) {
  Applied out;
  etcdserverpb::AlarmResponse response;
  auto* alarms = cluster_.mutable_alarms();
  auto same = [&](const etcdserverpb::AlarmMember& a) {
    return a.memberid() == request.memberid() && a.alarm() == request.alarm();
  };
  switch (request.action()) {
    case etcdserverpb::AlarmRequest::GET:
      for (const auto& a : *alarms) {
        if (request.alarm() == etcdserverpb::NONE || a.alarm() == request.alarm()) {
          *response.add_alarms() = a;
        }
      }
      break;
    case etcdserverpb::AlarmRequest::ACTIVATE:
      if (request.alarm() == etcdserverpb::NONE) break;
      if (std::none_of(alarms->begin(), alarms->end(), same)) {
        auto* added = alarms->Add();
        added->set_memberid(request.memberid());
        added->set_alarm(request.alarm());
      }
      *response.add_alarms() = alarms->at(alarms->size() - 1);
      break;
    case etcdserverpb::AlarmRequest::DEACTIVATE:
      for (int i = 0; i < alarms->size(); ++i) {
        if (!same(alarms->at(i))) continue;
        *response.add_alarms() = alarms->at(i);
        alarms->DeleteSubrange(i, 1);
        break;
      }
      break;
    default:
      break;
  }
  response.mutable_header()->set_revision(store_.revision());
  out.response = std::move(response);
  return out;
}

Applied StateMachine::apply_member_change(const raft::ConfChange& change,
                                          const internal::MemberChange& what) {
  auto* members = cluster_.mutable_members();
  auto find = [&](uint64_t id) -> internal::Member* {
    for (internal::Member& m : *members) {
      if (m.id() == id) return &m;
    }
    return nullptr;
  };
  for (const raft::ConfChangeSingle& single : change.changes) {
    const uint64_t id = single.node.value;
    switch (single.type) {
      case raft::ConfChangeType::kAddNode:
      case raft::ConfChangeType::kAddLearner: {
        const bool learner = single.type == raft::ConfChangeType::kAddLearner;
        if (internal::Member* existing = find(id)) {
          existing->set_is_learner(learner);  // promotion (or demotion)
        } else {
          // An explicit MemberAdd readmits a removed id (same peer URLs): the operator wiped
          // that member and brings it back empty, to catch up like any new member. Until then
          // the removed list keeps its old incarnation out.
          auto* gone = cluster_.mutable_removed();
          gone->erase(std::remove(gone->begin(), gone->end(), id), gone->end());
          internal::Member added = what.member();
          added.set_id(id);
          added.set_is_learner(learner);
          *members->Add() = std::move(added);
        }
        break;
      }
      case raft::ConfChangeType::kRemoveNode:
        for (int i = 0; i < members->size(); ++i) {
          if (members->at(i).id() != id) continue;
          members->DeleteSubrange(i, 1);
          break;
        }
        if (!removed(id)) cluster_.add_removed(id);
        break;
    }
  }
  Applied out;
  out.response = cluster_;
  return out;
}

// The state machine's snapshot: the membership (ClusterState, protobuf) behind its length, then
// the MVCC store's own snapshot, which carries its own CRC32C. Not one protobuf message: the
// store's part can be hundreds of megabytes, and parsing it out of a message would copy it.
//
//   u64 little-endian  length of the ClusterState bytes
//   ClusterState bytes
//   kv::Store::snapshot() bytes, to the end
StateMachine::SnapshotStream::SnapshotStream(const StateMachine& state) : kv_(state.store_) {
  const std::string cluster = state.cluster_.SerializeAsString();
  for (int i = 0; i < 8; ++i) prefix_.push_back(static_cast<char>(cluster.size() >> (8 * i)));
  prefix_ += cluster;
  prefix_size_ = prefix_.size();
}

bool StateMachine::SnapshotStream::next(std::string& out, size_t budget_bytes) {
  if (!prefix_.empty()) {
    out += prefix_;
    std::string().swap(prefix_);
  }
  return kv_.next(out, budget_bytes);
}

kv::SnapshotStream::Patch StateMachine::SnapshotStream::count_patch() const {
  kv::SnapshotStream::Patch patch = kv_.count_patch();
  patch.offset += prefix_size_;
  return patch;
}

std::string StateMachine::snapshot() const {
  SnapshotStream stream(*this);
  std::string out;
  while (!stream.next(out, std::numeric_limits<size_t>::max())) {
  }
  stream.count_patch().apply_to(out);
  return out;
}

bool StateMachine::restore(std::string_view bytes) {
  CHORUS_ASSERT(!store_.snapshot_streaming());  // the stream would read a replaced store
  if (bytes.size() < 8) return false;
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  if (length > bytes.size() - 8) return false;
  internal::ClusterState cluster;
  if (!cluster.ParseFromArray(bytes.data() + 8, static_cast<int>(length))) return false;
  auto restored = kv::Store::restore(bytes.substr(8 + length), options_);
  if (!restored.ok()) return false;
  store_ = std::move(restored.value());
  wire_watches();
  watches_.on_restore();
  cluster_ = std::move(cluster);
  return true;
}

}  // namespace chorus::node
