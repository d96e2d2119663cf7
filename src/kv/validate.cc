#include "kv/validate.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "kv/invariant.h"

namespace chorus::kv {
namespace {

// A deleted key range as etcd's checkIntervals records it: a point when range_end is empty,
// otherwise [begin, end) compared byte-wise. A from-key delete (range_end "\0") is the interval
// ["key", "\0"), which holds no key: etcd does not treat it as covering anything, and neither do
// we (docs/kv.md, "Duplicate keys").
struct DeletedRange {
  std::string begin;
  std::string end;  // empty: the single key `begin`

  bool contains(const std::string& key) const {
    if (end.empty()) return key == begin;
    return begin <= key && key < end;
  }
};

struct Writes {
  std::set<std::string> puts;
  std::vector<DeletedRange> deletes;
};

bool any_contains(const std::vector<DeletedRange>& deletes, const std::string& key) {
  for (const DeletedRange& range : deletes) {
    if (range.contains(key)) return true;
  }
  return false;
}

// etcd's checkIntervals: the deletes of this level, then the puts of nested txns (both branches;
// the two branches of one txn may put the same key since only one runs), then this level's puts.
Check check_intervals(const std::vector<RequestOp>& ops, Writes& out) {
  CHORUS_KV_ASSERT(out.puts.empty());
  CHORUS_KV_ASSERT(out.deletes.empty());
  for (const RequestOp& op : ops) {
    if (const auto* del = std::get_if<DeleteRangeRequest>(&op.request)) {
      out.deletes.push_back(DeletedRange{del->key, del->range_end});
    }
  }
  for (const RequestOp& op : ops) {
    const auto* nested = std::get_if<Box<TxnRequest>>(&op.request);
    if (nested == nullptr) continue;
    Writes then_writes;
    Writes else_writes;
    if (Check error = check_intervals((*nested)->success, then_writes)) return error;
    if (Check error = check_intervals((*nested)->failure, else_writes)) return error;
    for (const std::string& key : then_writes.puts) {
      if (out.puts.contains(key) || any_contains(out.deletes, key)) return Error::kDuplicateKey;
      out.puts.insert(key);
    }
    for (const std::string& key : else_writes.puts) {
      if (out.puts.contains(key) && !then_writes.puts.contains(key)) return Error::kDuplicateKey;
      if (any_contains(out.deletes, key)) return Error::kDuplicateKey;
      out.puts.insert(key);
    }
    for (DeletedRange& range : then_writes.deletes) out.deletes.push_back(std::move(range));
    for (DeletedRange& range : else_writes.deletes) out.deletes.push_back(std::move(range));
  }
  for (const RequestOp& op : ops) {
    const auto* put = std::get_if<PutRequest>(&op.request);
    if (put == nullptr) continue;
    if (out.puts.contains(put->key) || any_contains(out.deletes, put->key)) {
      return Error::kDuplicateKey;
    }
    out.puts.insert(put->key);
  }
  return std::nullopt;
}

Check check_txn(const TxnRequest& request, int64_t max_txn_ops);

Check check_op(const RequestOp& op, int64_t max_txn_ops) {
  switch (op.request.index()) {
    case 0:
      return Error::kKeyNotFound;  // etcd: "empty op / nil entry"
    case 1:
      return validate_range(std::get<RangeRequest>(op.request));
    case 2:
      return validate_put(std::get<PutRequest>(op.request));
    case 3:
      return validate_delete_range(std::get<DeleteRangeRequest>(op.request));
    case 4:
      return check_txn(*std::get<Box<TxnRequest>>(op.request), max_txn_ops);
  }
  CHORUS_KV_ASSERT(false);
}

// etcd's checkTxnRequest, with its signed arithmetic: a nested txn may use what its parent left.
Check check_txn(const TxnRequest& request, int64_t max_txn_ops) {
  int64_t ops = static_cast<int64_t>(request.compare.size());
  ops = std::max(ops, static_cast<int64_t>(request.success.size()));
  ops = std::max(ops, static_cast<int64_t>(request.failure.size()));
  if (ops > max_txn_ops) return Error::kTooManyOps;
  for (const Compare& compare : request.compare) {
    if (compare.key.empty()) return Error::kEmptyKey;
  }
  for (const RequestOp& op : request.success) {
    if (Check error = check_op(op, max_txn_ops - ops)) return error;
  }
  for (const RequestOp& op : request.failure) {
    if (Check error = check_op(op, max_txn_ops - ops)) return error;
  }
  return std::nullopt;
}

}  // namespace

Check validate_range(const RangeRequest& request) {
  if (request.key.empty()) return Error::kEmptyKey;
  return std::nullopt;
}

Check validate_put(const PutRequest& request) {
  if (request.key.empty()) return Error::kEmptyKey;
  if (request.ignore_value && !request.value.empty()) return Error::kValueProvided;
  if (request.ignore_lease && request.lease != kNoLease) return Error::kLeaseProvided;
  return std::nullopt;
}

Check validate_delete_range(const DeleteRangeRequest& request) {
  if (request.key.empty()) return Error::kEmptyKey;
  return std::nullopt;
}

Check validate_txn(const TxnRequest& request, size_t max_txn_ops) {
  CHORUS_KV_ASSERT(max_txn_ops <= static_cast<size_t>(INT64_MAX));
  if (Check error = check_txn(request, static_cast<int64_t>(max_txn_ops))) return error;
  Writes success_writes;
  if (Check error = check_intervals(request.success, success_writes)) return error;
  Writes failure_writes;
  return check_intervals(request.failure, failure_writes);
}

}  // namespace chorus::kv
