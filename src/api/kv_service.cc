#include "api/kv_service.h"

#include "api/trace.h"
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

// Finishes a call that fails before it reaches the node.
grpc::ServerUnaryReactor* finished(grpc::CallbackServerContext* call, const grpc::Status& status) {
  (void)take_current_trace();  // no spans of its own; see api/trace.h
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace

template <typename T>
grpc::ServerUnaryReactor* KvService::write(grpc::CallbackServerContext* call,
                                           internal::Request request, T* response) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  CallTrace* trace = take_current_trace();
  context_.propose_then(
      std::move(request), trace, [this, response, reactor](node::Applied applied) {
        if (!applied.status.ok()) {
          reactor->Finish(applied.status);
          return;
        }
        T* outcome = std::get_if<T>(&applied.response);
        if (outcome == nullptr) {
          reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "chorus: wrong response"));
          return;
        }
        *response = std::move(*outcome);
        context_.fill_header(response->mutable_header(), response->header().revision());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

template <typename T>
grpc::ServerUnaryReactor* KvService::read(
    grpc::CallbackServerContext* call, bool linearizable,
    std::function<grpc::Status(const node::StateMachine&)> serve, T* response) {
  (void)take_current_trace();  // a read records no spans of its own; see api/trace.h
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  auto result = std::make_shared<grpc::Status>();
  context_.read_then(
      linearizable,
      [result, serve = std::move(serve)](const node::StateMachine& sm) { *result = serve(sm); },
      [this, result, response, reactor](grpc::Status barrier) {
        if (!barrier.ok()) {
          reactor->Finish(barrier);
          return;
        }
        if (result->ok()) {
          context_.fill_header(response->mutable_header(), response->header().revision());
        }
        reactor->Finish(*result);
      });
  return reactor;
}

grpc::ServerUnaryReactor* KvService::Range(grpc::CallbackServerContext* call,
                                           const etcdserverpb::RangeRequest* request,
                                           etcdserverpb::RangeResponse* response) {
  if (request->key().empty()) return finished(call, key_not_provided());
  if (auto invalid = convert::check_sort_options(*request)) {
    return finished(call, convert::to_grpc(*invalid));
  }
  return read(
      call, !request->serializable(),
      [query = convert::to_kv(*request), response](const node::StateMachine& sm) {
        auto range = sm.store().range(query);
        if (!range.ok()) return convert::to_grpc(range.error());
        convert::to_pb(range.value(), response);
        return grpc::Status::OK;
      },
      response);
}

grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* call,
                                         const etcdserverpb::PutRequest* request,
                                         etcdserverpb::PutResponse* response) {
  if (request->key().empty()) return finished(call, key_not_provided());
  internal::Request proposal;
  *proposal.mutable_put() = *request;
  return write(call, std::move(proposal), response);
}

grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* call,
                                                 const etcdserverpb::DeleteRangeRequest* request,
                                                 etcdserverpb::DeleteRangeResponse* response) {
  if (request->key().empty()) return finished(call, key_not_provided());
  internal::Request proposal;
  *proposal.mutable_delete_range() = *request;
  return write(call, std::move(proposal), response);
}

grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* call,
                                         const etcdserverpb::TxnRequest* request,
                                         etcdserverpb::TxnResponse* response) {
  if (auto invalid = convert::check_sort_options(*request)) {
    return finished(call, convert::to_grpc(*invalid));
  }
  if (read_only(*request)) {
    return read(
        call, !serializable(*request),
        [txn = convert::to_kv(*request), response](const node::StateMachine& sm) {
          auto outcome = sm.store().read_txn(txn);
          if (!outcome.ok()) return convert::to_grpc(outcome.error());
          convert::to_pb(outcome.value(), response);
          return grpc::Status::OK;
        },
        response);
  }
  internal::Request proposal;
  *proposal.mutable_txn() = *request;
  return write(call, std::move(proposal), response);
}

grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* call,
                                             const etcdserverpb::CompactionRequest* request,
                                             etcdserverpb::CompactionResponse* response) {
  internal::Request proposal;
  *proposal.mutable_compaction() = *request;
  return write(call, std::move(proposal), response);
}

}  // namespace chorus::api
