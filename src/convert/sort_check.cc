#include "convert/sort_check.h"

namespace chorus::convert {
namespace {

std::optional<ServerError> check_ops(
    const google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops) {
  for (const etcdserverpb::RequestOp& op : ops) {
    std::optional<ServerError> error;
    if (op.has_request_range()) error = check_sort_options(op.request_range());
    if (op.has_request_txn()) error = check_sort_options(op.request_txn());
    if (error) return error;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ServerError> check_sort_options(const etcdserverpb::RangeRequest& request) {
  // IsValid knows exactly the values in rpc.proto, so a value added there is accepted here.
  if (!etcdserverpb::RangeRequest_SortOrder_IsValid(request.sort_order()) ||
      !etcdserverpb::RangeRequest_SortTarget_IsValid(request.sort_target())) {
    return ServerError::kInvalidSortOption;
  }
  return std::nullopt;
}

std::optional<ServerError> check_sort_options(const etcdserverpb::TxnRequest& request) {
  if (auto error = check_ops(request.success())) return error;
  return check_ops(request.failure());
}

}  // namespace chorus::convert
