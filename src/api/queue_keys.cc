#include "api/queue_keys.h"

#include <fmt/format.h>

#include "convert/requests.h"
#include "convert/responses.h"

namespace chorus::api {

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

namespace {
grpc::Status txn(ApiContext& context, const etcdserverpb::TxnRequest& request,
                 etcdserverpb::TxnResponse* response) {
  internal::Request proposal;
  *proposal.mutable_txn() = request;
  node::Applied applied = context.propose(std::move(proposal));
  if (!applied.status.ok()) return applied.status;
  *response = std::get<etcdserverpb::TxnResponse>(applied.response);
  return grpc::Status::OK;
}

etcdserverpb::Compare create_revision_is(const std::string& key, int64_t revision) {
  etcdserverpb::Compare compare;
  compare.set_key(key);
  compare.set_target(etcdserverpb::Compare::CREATE);
  compare.set_result(etcdserverpb::Compare::EQUAL);
  compare.set_create_revision(revision);
  return compare;
}
}  // namespace

grpc::Status QueueKeys::enqueue(const std::string& name, int64_t lease, const std::string& value,
                                mvccpb::KeyValue* mine) {
  const std::string key = fmt::format("{}/{:x}", name, lease);
  etcdserverpb::TxnRequest request;
  *request.add_compare() = create_revision_is(key, 0);
  auto* put = request.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  put->set_lease(lease);
  request.add_success()->mutable_request_range()->set_key(key);
  request.add_failure()->mutable_request_range()->set_key(key);
  etcdserverpb::TxnResponse response;
  if (grpc::Status status = txn(context_, request, &response); !status.ok()) return status;
  const auto& range = response.responses(response.responses_size() - 1).response_range();
  if (range.kvs().empty()) return convert::to_grpc(convert::ServerError::kLeaseNotFound);
  *mine = range.kvs(0);
  return grpc::Status::OK;
}

grpc::Status QueueKeys::first(const std::string& name, std::optional<mvccpb::KeyValue>* out,
                              int64_t* revision) {
  kv::RangeRequest query;
  query.key = name + "/";
  query.range_end = prefix_end(query.key);
  query.sort_target = kv::SortTarget::kCreate;
  query.sort_order = kv::SortOrder::kAscend;
  query.limit = 1;
  out->reset();
  return context_.read(true, [&](const node::StateMachine& sm) {
    auto range = sm.store().range(query);
    *revision = sm.store().revision();
    if (!range.ok() || range.value().kvs.empty()) return;
    mvccpb::KeyValue kv;
    convert::to_pb(range.value().kvs.front(), &kv);
    *out = std::move(kv);
  });
}

grpc::Status QueueKeys::wait_until_first(const grpc::ServerContext& context,
                                         const std::string& name, const mvccpb::KeyValue& mine) {
  node::Node& node = context_.node();
  while (true) {
    const int64_t seen = node.revision();
    std::optional<mvccpb::KeyValue> head;
    int64_t revision = 0;
    if (grpc::Status status = first(name, &head, &revision); !status.ok()) return status;
    if (!head) return convert::to_grpc(convert::ServerError::kLockSessionExpired);
    if (head->key() == mine.key()) {
      if (head->create_revision() != mine.create_revision()) {
        return convert::to_grpc(convert::ServerError::kLockSessionExpired);
      }
      return grpc::Status::OK;
    }
    // Still queued: our key must still exist (its lease may have expired meanwhile).
    bool present = false;
    grpc::Status barrier = context_.read(false, [&](const node::StateMachine& sm) {
      kv::RangeRequest query;
      query.key = mine.key();
      auto range = sm.store().range(query);
      present = range.ok() && !range.value().kvs.empty() &&
                range.value().kvs.front().create_revision == mine.create_revision();
    });
    if (!barrier.ok()) return barrier;
    if (!present) return convert::to_grpc(convert::ServerError::kLockSessionExpired);
    if (context.IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "context canceled");
    if (node.stopped()) return convert::to_grpc(convert::ServerError::kStopped);
    node.wait_for_revision_after(seen,
                                 std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
  }
}

grpc::Status QueueKeys::remove(const std::string& key, int64_t create_revision, bool* deleted) {
  etcdserverpb::TxnRequest request;
  if (create_revision > 0) *request.add_compare() = create_revision_is(key, create_revision);
  request.add_success()->mutable_request_delete_range()->set_key(key);
  etcdserverpb::TxnResponse response;
  if (grpc::Status status = txn(context_, request, &response); !status.ok()) return status;
  *deleted = response.succeeded();
  return grpc::Status::OK;
}

grpc::Status QueueKeys::update(const std::string& key, int64_t create_revision,
                               const std::string& value, bool* updated) {
  etcdserverpb::TxnRequest request;
  *request.add_compare() = create_revision_is(key, create_revision);
  auto* put = request.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  put->set_ignore_lease(true);
  etcdserverpb::TxnResponse response;
  if (grpc::Status status = txn(context_, request, &response); !status.ok()) return status;
  *updated = response.succeeded();
  return grpc::Status::OK;
}

}  // namespace chorus::api
