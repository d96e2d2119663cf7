#include "convert/responses.h"

#include <type_traits>
#include <variant>

namespace chorus::convert {

void fill_header(etcdserverpb::ResponseHeader* header, uint64_t cluster_id, uint64_t member_id,
                 int64_t revision, uint64_t raft_term) {
  header->set_cluster_id(cluster_id);
  header->set_member_id(member_id);
  header->set_revision(revision);
  header->set_raft_term(raft_term);
}

void to_pb(const kv::KeyValue& kv, mvccpb::KeyValue* out) {
  out->set_key(kv.key);
  out->set_create_revision(kv.create_revision);
  out->set_mod_revision(kv.mod_revision);
  out->set_version(kv.version);
  out->set_value(kv.value);
  out->set_lease(kv.lease);
}

void to_pb(const kv::Event& event, mvccpb::Event* out) {
  out->set_type(event.type == kv::EventType::kDelete ? mvccpb::Event_EventType_DELETE
                                                     : mvccpb::Event_EventType_PUT);
  to_pb(event.kv, out->mutable_kv());
  if (event.prev_kv) to_pb(*event.prev_kv, out->mutable_prev_kv());
}

void to_pb(const kv::RangeResponse& response, etcdserverpb::RangeResponse* out) {
  out->mutable_header()->set_revision(response.revision);
  out->mutable_kvs()->Reserve(out->kvs_size() + static_cast<int>(response.kvs.size()));
  for (const kv::KeyValue& kv : response.kvs) to_pb(kv, out->add_kvs());
  out->set_more(response.more);
  out->set_count(response.count);
}

void to_pb(const kv::PutResponse& response, etcdserverpb::PutResponse* out) {
  out->mutable_header()->set_revision(response.revision);
  if (response.prev_kv) to_pb(*response.prev_kv, out->mutable_prev_kv());
}

void to_pb(const kv::DeleteRangeResponse& response, etcdserverpb::DeleteRangeResponse* out) {
  out->mutable_header()->set_revision(response.revision);
  out->set_deleted(response.deleted);
  for (const kv::KeyValue& kv : response.prev_kvs) to_pb(kv, out->add_prev_kvs());
}

namespace {

// Named apart from to_pb: an overload in this unnamed namespace would hide the public ones from
// the calls below.
void response_op_to_pb(const kv::ResponseOp& op, etcdserverpb::ResponseOp* out) {
  std::visit(
      [out](const auto& response) {
        using T = std::decay_t<decltype(response)>;
        if constexpr (std::is_same_v<T, kv::RangeResponse>) {
          to_pb(response, out->mutable_response_range());
        } else if constexpr (std::is_same_v<T, kv::PutResponse>) {
          to_pb(response, out->mutable_response_put());
        } else if constexpr (std::is_same_v<T, kv::DeleteRangeResponse>) {
          to_pb(response, out->mutable_response_delete_range());
        } else {
          static_assert(std::is_same_v<T, kv::Box<kv::TxnResponse>>);
          to_pb(*response, out->mutable_response_txn());
        }
      },
      op.response);
}

}  // namespace

// Recursion depth is the txn's nesting depth, which the request's own depth bounds.
void to_pb(const kv::TxnResponse& response, etcdserverpb::TxnResponse* out) {
  // For a nested txn the store gives 0, and the header is still present, as etcd's.
  out->mutable_header()->set_revision(response.revision);
  out->set_succeeded(response.succeeded);
  for (const kv::ResponseOp& op : response.responses) {
    response_op_to_pb(op, out->add_responses());
  }
}

void to_pb(const kv::CompactResponse& response, etcdserverpb::CompactionResponse* out) {
  out->mutable_header()->set_revision(response.revision);
}

void to_pb(const kv::LeaseGrantResponse& response, etcdserverpb::LeaseGrantResponse* out) {
  out->mutable_header()->set_revision(response.revision);
  out->set_id(response.id);
  out->set_ttl(response.ttl_seconds);
}

void to_pb(const kv::LeaseRevokeResponse& response, etcdserverpb::LeaseRevokeResponse* out) {
  out->mutable_header()->set_revision(response.revision);
}

void to_pb(const kv::HashKvResponse& response, etcdserverpb::HashKVResponse* out) {
  out->mutable_header()->set_revision(response.revision);
  out->set_hash(response.hash);
  out->set_compact_revision(response.compact_revision);
}

void to_pb(const kv::LeaseInfo& info, etcdserverpb::LeaseTimeToLiveResponse* out) {
  out->set_id(info.id);
  out->set_grantedttl(info.granted_ttl_seconds);
  for (const std::string& key : info.keys) out->add_keys(key);
}

}  // namespace chorus::convert
