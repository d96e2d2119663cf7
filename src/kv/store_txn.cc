// Txn: etcd's applierV3backend.Txn (server/etcdserver/apply.go, 3.5).
//
// 1. validate_txn: the gRPC layer's checks (op counts, empty keys, duplicate keys).
// 2. decide: every compare of the txn and of each nested txn on the taken path is evaluated
//    against the state before the txn (etcd's compareToPath runs on a read view first).
// 3. check: puts on the taken path (ignore_* on a missing key, unknown lease), then ranges
//    (revision in the future or compacted), against the same pre-txn state.
// 4. apply the taken path in order through one WriteTxn; commit makes it one revision.
#include <cstddef>

#include "kv/invariant.h"
#include "kv/store.h"
#include "kv/write_txn.h"

namespace chorus::kv {

struct Store::TxnPath {
  bool succeeded = false;
  std::vector<TxnPath> nested;  // one per nested txn op of the taken branch, in order
};

namespace {

int compare_int(int64_t a, int64_t b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

// etcd's compareKV against one key's fields.
bool compare_fields(const Compare& compare, Revision create, Revision mod, int64_t version,
                    LeaseId lease, const std::string& value) {
  int result = 0;
  switch (compare.target) {
    case CompareTarget::kValue:
      result = value.compare(compare.value);
      result = result < 0 ? -1 : (result > 0 ? 1 : 0);
      break;
    case CompareTarget::kCreate:
      result = compare_int(create, compare.create_revision);
      break;
    case CompareTarget::kMod:
      result = compare_int(mod, compare.mod_revision);
      break;
    case CompareTarget::kVersion:
      result = compare_int(version, compare.version);
      break;
    case CompareTarget::kLease:
      result = compare_int(lease, compare.lease);
      break;
  }
  switch (compare.result) {
    case CompareResult::kEqual:
      return result == 0;
    case CompareResult::kNotEqual:
      return result != 0;
    case CompareResult::kGreater:
      return result > 0;
    case CompareResult::kLess:
      return result < 0;
  }
  return true;  // etcd: an unknown result compares true
}

const std::vector<RequestOp>& taken_ops(const TxnRequest& request, bool succeeded) {
  return succeeded ? request.success : request.failure;
}

}  // namespace

// etcd's applyCompare: every key of the range must satisfy the compare. An empty range compares
// a zero KeyValue (version 0, create 0, mod 0, lease 0), except that a VALUE compare on no key
// is false: "nil == empty string in grpc; no way to represent missing value".
bool Store::compare_holds(const Compare& compare) const {
  bool any = false;
  bool all = true;
  for_each_live(compare.key, compare.range_end, current_revision_,
                [&](const std::string&, const Record& record) {
                  any = true;
                  all = compare_fields(compare, record.create_revision, record.revision,
                                       record.version, record.lease, record.value);
                  return all;
                });
  if (any) return all;
  if (compare.target == CompareTarget::kValue) return false;
  return compare_fields(compare, 0, 0, 0, kNoLease, std::string());
}

Store::TxnPath Store::decide(const TxnRequest& request) const {
  TxnPath path;
  path.succeeded = true;
  for (const Compare& compare : request.compare) {
    if (!compare_holds(compare)) {
      path.succeeded = false;
      break;
    }
  }
  for (const RequestOp& op : taken_ops(request, path.succeeded)) {
    if (const auto* nested = std::get_if<Box<TxnRequest>>(&op.request)) {
      path.nested.push_back(decide(**nested));
    }
  }
  return path;
}

// etcd's checkRequestPut over the taken path.
Check Store::check_txn_puts(const TxnRequest& request, const TxnPath& path) const {
  size_t nested_index = 0;
  for (const RequestOp& op : taken_ops(request, path.succeeded)) {
    if (const auto* nested = std::get_if<Box<TxnRequest>>(&op.request)) {
      CHORUS_KV_ASSERT(nested_index < path.nested.size());
      if (Check error = check_txn_puts(**nested, path.nested[nested_index++])) return error;
      continue;
    }
    const auto* put = std::get_if<PutRequest>(&op.request);
    if (put == nullptr) continue;
    if (put->ignore_value || put->ignore_lease) {
      auto it = index_.find(put->key);
      if (it == index_.end() || it->second.live_at(current_revision_) == nullptr) {
        return Error::kKeyNotFound;
      }
    }
    if (put->lease != kNoLease && !leases_.contains(put->lease)) return Error::kLeaseNotFound;
  }
  CHORUS_KV_ASSERT(nested_index == path.nested.size());
  return std::nullopt;
}

// etcd's checkRequestRange over the taken path. Note etcd's order of cases: revision 0 passes,
// then future, then below the compaction point; so a negative revision below the compaction
// point is "compacted" inside a txn although a plain range treats it as "current" (docs/kv.md).
Check Store::check_txn_ranges(const TxnRequest& request, const TxnPath& path) const {
  size_t nested_index = 0;
  for (const RequestOp& op : taken_ops(request, path.succeeded)) {
    if (const auto* nested = std::get_if<Box<TxnRequest>>(&op.request)) {
      CHORUS_KV_ASSERT(nested_index < path.nested.size());
      if (Check error = check_txn_ranges(**nested, path.nested[nested_index++])) return error;
      continue;
    }
    const auto* range = std::get_if<RangeRequest>(&op.request);
    if (range == nullptr || range->revision == 0) continue;
    if (range->revision > current_revision_) return Error::kFutureRevision;
    if (range->revision < compact_revision_) return Error::kCompacted;
  }
  return std::nullopt;
}

TxnResponse Store::apply_txn(WriteTxn& txn, const TxnRequest& request, const TxnPath& path,
                             Check& failure) {
  TxnResponse response;
  response.succeeded = path.succeeded;
  size_t nested_index = 0;
  for (const RequestOp& op : taken_ops(request, path.succeeded)) {
    ResponseOp out;
    switch (op.request.index()) {
      case 1: {
        Result<RangeResponse> range =
            range_at(std::get<RangeRequest>(op.request), txn.read_revision());
        // check_txn_ranges has ruled out every error a range can have here.
        CHORUS_KV_ASSERT(range.ok());
        out.response = std::move(range).value();
        break;
      }
      case 2: {
        Result<PutResponse> put = apply_put(txn, std::get<PutRequest>(op.request));
        if (!put.ok()) {
          // Only reachable through the duplicate-key gaps etcd lets through (a from-key delete
          // or a sibling txn deleted the key earlier in this txn). etcd 3.5 panics here; we
          // refuse the txn and the caller rolls back (docs/kv.md).
          failure = put.error();
          return response;
        }
        out.response = std::move(put).value();
        break;
      }
      case 3:
        out.response = apply_delete_range(txn, std::get<DeleteRangeRequest>(op.request));
        break;
      case 4: {
        CHORUS_KV_ASSERT(nested_index < path.nested.size());
        TxnResponse nested = apply_txn(txn, *std::get<Box<TxnRequest>>(op.request),
                                       path.nested[nested_index++], failure);
        if (failure) return response;
        out.response = Box<TxnResponse>(std::move(nested));
        break;
      }
      default:
        CHORUS_KV_ASSERT(false);  // validate_txn refuses empty ops
    }
    response.responses.push_back(std::move(out));
  }
  return response;
}

Result<TxnResponse> Store::txn(const TxnRequest& request) {
  if (Check error = validate_txn(request, options_.max_txn_ops)) return *error;
  const TxnPath path = decide(request);
  if (Check error = check_txn_puts(request, path)) return *error;
  if (Check error = check_txn_ranges(request, path)) return *error;

  WriteTxn txn(*this);
  Check failure;
  TxnResponse response = apply_txn(txn, request, path, failure);
  if (failure) {
    txn.rollback();
    CHORUS_KV_ASSERT(txn.begin() == current_revision_);
    return *failure;
  }
  commit(txn);
  response.revision = current_revision_;
  CHORUS_KV_ASSERT(response.revision == txn.begin() + (txn.changed() ? 1 : 0));
  return response;
}

namespace {
bool writes_nothing(const TxnRequest& request) {
  for (const auto* ops : {&request.success, &request.failure}) {
    for (const RequestOp& op : *ops) {
      if (std::holds_alternative<PutRequest>(op.request) ||
          std::holds_alternative<DeleteRangeRequest>(op.request)) {
        return false;
      }
      if (const auto* nested = std::get_if<Box<TxnRequest>>(&op.request)) {
        if (!writes_nothing(**nested)) return false;
      }
    }
  }
  return true;
}
}  // namespace

Result<TxnResponse> Store::read_txn(const TxnRequest& request) const {
  CHORUS_KV_ASSERT(writes_nothing(request));  // the caller's promise
  if (Check error = validate_txn(request, options_.max_txn_ops)) return *error;
  const TxnPath path = decide(request);
  if (Check error = check_txn_ranges(request, path)) return *error;
  TxnResponse response = read_txn_at(request, path);
  response.revision = current_revision_;
  return response;
}

TxnResponse Store::read_txn_at(const TxnRequest& request, const TxnPath& path) const {
  TxnResponse response;
  response.succeeded = path.succeeded;
  size_t nested_index = 0;
  for (const RequestOp& op : taken_ops(request, path.succeeded)) {
    ResponseOp out;
    if (const auto* range = std::get_if<RangeRequest>(&op.request)) {
      Result<RangeResponse> result = range_at(*range, current_revision_);
      CHORUS_KV_ASSERT(result.ok());  // check_txn_ranges has ruled out every error
      out.response = std::move(result).value();
    } else {
      const auto& nested = std::get<Box<TxnRequest>>(op.request);
      CHORUS_KV_ASSERT(nested_index < path.nested.size());
      out.response = Box<TxnResponse>(read_txn_at(*nested, path.nested[nested_index++]));
    }
    response.responses.push_back(std::move(out));
  }
  return response;
}

}  // namespace chorus::kv
