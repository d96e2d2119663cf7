#include "client/retry_safety.h"

#include <algorithm>

namespace chorus::client {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RequestOp;

bool ops_read_only(const google::protobuf::RepeatedPtrField<RequestOp>& ops);

bool op_read_only(const RequestOp& op) {
  switch (op.request_case()) {
    case RequestOp::kRequestRange:
      return true;
    case RequestOp::kRequestTxn:
      return txn_is_read_only(op.request_txn());
    default:
      return false;  // put, delete, or an op this client does not know: assume it writes
  }
}

bool ops_read_only(const google::protobuf::RepeatedPtrField<RequestOp>& ops) {
  return std::all_of(ops.begin(), ops.end(), op_read_only);
}

// Does a compare of `txn` pin `key` so that any write to it makes the compare fail?
bool pinned(const etcdserverpb::TxnRequest& txn, const std::string& key) {
  return std::any_of(txn.compare().begin(), txn.compare().end(), [&](const Compare& compare) {
    // CREATE is not enough: a put to an existing key keeps its create revision.
    const bool changes_on_write =
        compare.target() == Compare::VERSION || compare.target() == Compare::MOD;
    return changes_on_write && compare.result() == Compare::EQUAL && compare.key() == key &&
           compare.range_end().empty();
  });
}

}  // namespace

bool txn_is_read_only(const etcdserverpb::TxnRequest& txn) {
  return ops_read_only(txn.success()) && ops_read_only(txn.failure());
}

bool txn_is_retry_safe(const etcdserverpb::TxnRequest& txn) {
  if (txn_is_read_only(txn)) return true;
  // A repeat of an applied txn takes the failure branch: it must not write.
  if (!ops_read_only(txn.failure())) return false;
  for (const RequestOp& op : txn.success()) {
    switch (op.request_case()) {
      case RequestOp::kRequestRange:
        break;
      case RequestOp::kRequestPut:
        if (!pinned(txn, op.request_put().key())) return false;
        break;
      case RequestOp::kRequestDeleteRange:
        if (!op.request_delete_range().range_end().empty()) return false;
        if (!pinned(txn, op.request_delete_range().key())) return false;
        break;
      default:
        if (!op_read_only(op)) return false;
        break;
    }
  }
  return true;
}

}  // namespace chorus::client
