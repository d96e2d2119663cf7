#include "api/kv_service.h"

#include "convert/requests.h"
#include "convert/responses.h"
#include "convert/sort_check.h"

namespace chorus::api {

namespace {

// A txn that writes nothing in either branch is served as a read, as etcd does: no log entry.
bool read_only(const etcdserverpb::TxnRequest& txn) {
  auto ops_read_only = [](const auto& ops) {
    for (const etcdserverpb::RequestOp& op : ops) {
      if (op.has_request_put() || op.has_request_delete_range()) return false;
      if (op.has_request_txn() && !read_only(op.request_txn())) return false;
    }
    return true;
  };
  return ops_read_only(txn.success()) && ops_read_only(txn.failure());
}

// Whether every range in the txn asked for serializable reads (then the txn may be too).
bool serializable(const etcdserverpb::TxnRequest& txn) {
  auto ops_serializable = [](const auto& ops) {
    for (const etcdserverpb::RequestOp& op : ops) {
      if (op.has_request_range() && !op.request_range().serializable()) return false;
      // etcd never serves a nested txn serializably.
      if (op.has_request_txn()) return false;
    }
    return true;
  };
  return ops_serializable(txn.success()) && ops_serializable(txn.failure());
}

grpc::Status key_not_provided() {
  return convert::to_grpc(convert::ServerError::kEmptyKey);
}

}  // namespace

template <typename T>
grpc::Status KvService::write(internal::Request request, T* response) {
  node::Applied applied = context_.propose(std::move(request));
  if (!applied.status.ok()) return applied.status;
  T* answer = std::get_if<T>(&applied.response);
  if (answer == nullptr) return grpc::Status(grpc::StatusCode::INTERNAL, "chorus: wrong response");
  *response = std::move(*answer);
  context_.fill_header(response->mutable_header(), response->header().revision());
  return grpc::Status::OK;
}

grpc::Status KvService::Range(grpc::ServerContext*, const etcdserverpb::RangeRequest* request,
                              etcdserverpb::RangeResponse* response) {
  if (request->key().empty()) return key_not_provided();
  if (auto invalid = convert::check_sort_options(*request)) return convert::to_grpc(*invalid);
  grpc::Status result;
  const kv::RangeRequest query = convert::to_kv(*request);
  grpc::Status barrier = context_.read(!request->serializable(), [&](node::StateMachine& sm) {
    auto range = sm.store().range(query);
    if (!range.ok()) {
      result = convert::to_grpc(range.error());
      return;
    }
    convert::to_pb(range.value(), response);
  });
  if (!barrier.ok()) return barrier;
  if (!result.ok()) return result;
  context_.fill_header(response->mutable_header(), response->header().revision());
  return grpc::Status::OK;
}

grpc::Status KvService::Put(grpc::ServerContext*, const etcdserverpb::PutRequest* request,
                            etcdserverpb::PutResponse* response) {
  if (request->key().empty()) return key_not_provided();
  internal::Request proposal;
  *proposal.mutable_put() = *request;
  return write(std::move(proposal), response);
}

grpc::Status KvService::DeleteRange(grpc::ServerContext*,
                                    const etcdserverpb::DeleteRangeRequest* request,
                                    etcdserverpb::DeleteRangeResponse* response) {
  if (request->key().empty()) return key_not_provided();
  internal::Request proposal;
  *proposal.mutable_delete_range() = *request;
  return write(std::move(proposal), response);
}

grpc::Status KvService::Txn(grpc::ServerContext*, const etcdserverpb::TxnRequest* request,
                            etcdserverpb::TxnResponse* response) {
  if (auto invalid = convert::check_sort_options(*request)) return convert::to_grpc(*invalid);
  if (read_only(*request)) {
    grpc::Status result;
    const kv::TxnRequest txn = convert::to_kv(*request);
    grpc::Status barrier = context_.read(!serializable(*request), [&](node::StateMachine& sm) {
      auto outcome = sm.store().txn(txn);
      if (!outcome.ok()) {
        result = convert::to_grpc(outcome.error());
        return;
      }
      convert::to_pb(outcome.value(), response);
    });
    if (!barrier.ok()) return barrier;
    if (!result.ok()) return result;
    context_.fill_header(response->mutable_header(), response->header().revision());
    return grpc::Status::OK;
  }
  internal::Request proposal;
  *proposal.mutable_txn() = *request;
  return write(std::move(proposal), response);
}

grpc::Status KvService::Compact(grpc::ServerContext*,
                                const etcdserverpb::CompactionRequest* request,
                                etcdserverpb::CompactionResponse* response) {
  internal::Request proposal;
  *proposal.mutable_compaction() = *request;
  return write(std::move(proposal), response);
}

}  // namespace chorus::api
