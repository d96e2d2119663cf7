// The request checks etcd's gRPC layer makes before a request is proposed
// (server/etcdserver/api/v3rpc/key.go: checkRangeRequest, checkPutRequest, checkDeleteRequest,
// checkTxnRequest, checkIntervals). The server calls them to refuse bad requests before they
// reach Raft; the store calls them again on apply, so a request that slipped through changes
// nothing. They read only the request, never the store.
#pragma once

#include <cstddef>

#include "kv/error.h"
#include "kv/request.h"

namespace chorus::kv {

// etcd's --max-txn-ops default.
inline constexpr size_t kTxnOpsMaxDefault = 128;

Check validate_range(const RangeRequest& request);
Check validate_put(const PutRequest& request);
Check validate_delete_range(const DeleteRangeRequest& request);

// checkTxnRequest then checkIntervals(success) and checkIntervals(failure):
// - kTooManyOps when max(|compare|, |success|, |failure|) exceeds the bound; a nested txn's bound
//   is what its parent left (bound - the parent's count), as in etcd;
// - kEmptyKey for a compare or an op without a key; kKeyNotFound for an empty RequestOp;
//   kValueProvided / kLeaseProvided for a put that sets a field it also asks to ignore;
// - kDuplicateKey when a put's key is written twice or falls in a deleted range of the same
//   branch, with etcd's exact rules (see docs/kv.md for the combinations etcd lets through).
Check validate_txn(const TxnRequest& request, size_t max_txn_ops = kTxnOpsMaxDefault);

}  // namespace chorus::kv
