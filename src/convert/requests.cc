#include "convert/requests.h"

#include <cstddef>
#include <optional>

namespace chorus::convert {
namespace {

std::optional<kv::SortOrder> known_order(etcdserverpb::RangeRequest_SortOrder order) {
  switch (order) {
    case etcdserverpb::RangeRequest_SortOrder_NONE:
      return kv::SortOrder::kNone;
    case etcdserverpb::RangeRequest_SortOrder_ASCEND:
      return kv::SortOrder::kAscend;
    case etcdserverpb::RangeRequest_SortOrder_DESCEND:
      return kv::SortOrder::kDescend;
    default:  // an open proto3 enum: any int32 may arrive
      return std::nullopt;
  }
}

std::optional<kv::SortTarget> known_target(etcdserverpb::RangeRequest_SortTarget target) {
  switch (target) {
    case etcdserverpb::RangeRequest_SortTarget_KEY:
      return kv::SortTarget::kKey;
    case etcdserverpb::RangeRequest_SortTarget_VERSION:
      return kv::SortTarget::kVersion;
    case etcdserverpb::RangeRequest_SortTarget_CREATE:
      return kv::SortTarget::kCreate;
    case etcdserverpb::RangeRequest_SortTarget_MOD:
      return kv::SortTarget::kMod;
    case etcdserverpb::RangeRequest_SortTarget_VALUE:
      return kv::SortTarget::kValue;
    default:
      return std::nullopt;
  }
}

std::optional<kv::CompareResult> known_result(etcdserverpb::Compare_CompareResult result) {
  switch (result) {
    case etcdserverpb::Compare_CompareResult_EQUAL:
      return kv::CompareResult::kEqual;
    case etcdserverpb::Compare_CompareResult_GREATER:
      return kv::CompareResult::kGreater;
    case etcdserverpb::Compare_CompareResult_LESS:
      return kv::CompareResult::kLess;
    case etcdserverpb::Compare_CompareResult_NOT_EQUAL:
      return kv::CompareResult::kNotEqual;
    default:
      return std::nullopt;
  }
}

std::optional<kv::CompareTarget> known_target(etcdserverpb::Compare_CompareTarget target) {
  switch (target) {
    case etcdserverpb::Compare_CompareTarget_VERSION:
      return kv::CompareTarget::kVersion;
    case etcdserverpb::Compare_CompareTarget_CREATE:
      return kv::CompareTarget::kCreate;
    case etcdserverpb::Compare_CompareTarget_MOD:
      return kv::CompareTarget::kMod;
    case etcdserverpb::Compare_CompareTarget_VALUE:
      return kv::CompareTarget::kValue;
    case etcdserverpb::Compare_CompareTarget_LEASE:
      return kv::CompareTarget::kLease;
    default:
      return std::nullopt;
  }
}

// Compares with a fixed outcome, for the unknown enum values etcd's compareKV falls through on.
// A live key's version is at least 1 and a compare over no key reads version 0, so no key ever
// has version -1.
void make_constant(kv::Compare& compare, bool outcome) {
  compare.result = outcome ? kv::CompareResult::kNotEqual : kv::CompareResult::kEqual;
  compare.target = kv::CompareTarget::kVersion;
  compare.version = -1;
}

// True for every live key and false over no key: etcd's answer to a VALUE compare with an
// unknown result (applyCompare fails a VALUE compare over no key before compareKV returns true).
void make_true_if_any_key(kv::Compare& compare) {
  compare.result = kv::CompareResult::kGreater;
  compare.target = kv::CompareTarget::kVersion;
  compare.version = 0;
}

}  // namespace

kv::RangeRequest to_kv(const etcdserverpb::RangeRequest& request) {
  kv::RangeRequest out{
      .key = request.key(),
      .range_end = request.range_end(),
      .limit = request.limit(),
      .revision = request.revision(),
      .serializable = request.serializable(),
      .keys_only = request.keys_only(),
      .count_only = request.count_only(),
      .min_mod_revision = request.min_mod_revision(),
      .max_mod_revision = request.max_mod_revision(),
      .min_create_revision = request.min_create_revision(),
      .max_create_revision = request.max_create_revision(),
  };
  const auto order = known_order(request.sort_order());
  const auto target = known_target(request.sort_target());
  if (order && target) {
    out.sort_order = *order;
    out.sort_target = *target;
  } else {
    // etcd 3.5 fetches everything (sort_order != NONE) and then sorts nothing: key order.
    out.sort_order = kv::SortOrder::kAscend;
    out.sort_target = kv::SortTarget::kKey;
  }
  return out;
}

kv::PutRequest to_kv(const etcdserverpb::PutRequest& request) {
  return kv::PutRequest{
      .key = request.key(),
      .value = request.value(),
      .lease = request.lease(),
      .prev_kv = request.prev_kv(),
      .ignore_value = request.ignore_value(),
      .ignore_lease = request.ignore_lease(),
  };
}

kv::DeleteRangeRequest to_kv(const etcdserverpb::DeleteRangeRequest& request) {
  return kv::DeleteRangeRequest{
      .key = request.key(),
      .range_end = request.range_end(),
      .prev_kv = request.prev_kv(),
  };
}

kv::Compare to_kv(const etcdserverpb::Compare& compare) {
  kv::Compare out;
  out.key = compare.key();
  out.range_end = compare.range_end();
  // Only the member of target_union that is set is copied; the others stay 0 / empty, which is
  // what etcd reads when the set member does not match the target.
  switch (compare.target_union_case()) {
    case etcdserverpb::Compare::kVersion:
      out.version = compare.version();
      break;
    case etcdserverpb::Compare::kCreateRevision:
      out.create_revision = compare.create_revision();
      break;
    case etcdserverpb::Compare::kModRevision:
      out.mod_revision = compare.mod_revision();
      break;
    case etcdserverpb::Compare::kValue:
      out.value = compare.value();
      break;
    case etcdserverpb::Compare::kLease:
      out.lease = compare.lease();
      break;
    case etcdserverpb::Compare::TARGET_UNION_NOT_SET:
      break;
  }
  const auto result = known_result(compare.result());
  const auto target = known_target(compare.target());
  if (!target) {
    // compareKV leaves its comparison at 0: EQUAL holds, NOT_EQUAL/GREATER/LESS fail, and an
    // unknown result falls through to true. The same over no key (the target is not VALUE).
    make_constant(out, !result || *result == kv::CompareResult::kEqual);
  } else if (!result) {
    if (*target == kv::CompareTarget::kValue) {
      make_true_if_any_key(out);
    } else {
      make_constant(out, true);
    }
  } else {
    out.result = *result;
    out.target = *target;
  }
  return out;
}

kv::RequestOp to_kv(const etcdserverpb::RequestOp& op) {
  switch (op.request_case()) {
    case etcdserverpb::RequestOp::kRequestRange:
      return kv::RequestOp(to_kv(op.request_range()));
    case etcdserverpb::RequestOp::kRequestPut:
      return kv::RequestOp(to_kv(op.request_put()));
    case etcdserverpb::RequestOp::kRequestDeleteRange:
      return kv::RequestOp(to_kv(op.request_delete_range()));
    case etcdserverpb::RequestOp::kRequestTxn:
      return kv::RequestOp(to_kv(op.request_txn()));
    case etcdserverpb::RequestOp::REQUEST_NOT_SET:
      break;
  }
  return kv::RequestOp();
}

// Recursion depth is the nesting depth of the message, which protobuf's parser bounds (100 by
// default) for anything that came off the wire.
kv::TxnRequest to_kv(const etcdserverpb::TxnRequest& request) {
  kv::TxnRequest out;
  out.compare.reserve(static_cast<size_t>(request.compare_size()));
  for (const etcdserverpb::Compare& compare : request.compare()) {
    out.compare.push_back(to_kv(compare));
  }
  out.success.reserve(static_cast<size_t>(request.success_size()));
  for (const etcdserverpb::RequestOp& op : request.success()) out.success.push_back(to_kv(op));
  out.failure.reserve(static_cast<size_t>(request.failure_size()));
  for (const etcdserverpb::RequestOp& op : request.failure()) out.failure.push_back(to_kv(op));
  return out;
}

kv::WatchRequest to_kv(const etcdserverpb::WatchCreateRequest& request) {
  kv::WatchRequest out{
      .key = request.key(),
      .range_end = request.range_end(),
      .start_revision = request.start_revision(),
      .prev_kv = request.prev_kv(),
  };
  // filters() is a RepeatedField<int>: the raw numbers, unknown ones included.
  for (const int filter : request.filters()) {
    if (filter == etcdserverpb::WatchCreateRequest_FilterType_NOPUT) out.filter_put = true;
    if (filter == etcdserverpb::WatchCreateRequest_FilterType_NODELETE) out.filter_delete = true;
  }
  return out;
}

}  // namespace chorus::convert
