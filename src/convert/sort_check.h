// etcd 3.6's check of a range's sort enums, for a server that prefers an error to etcd 3.5's
// behaviour on values it does not know.
//
// etcd 3.5 accepts any number in sort_order and sort_target. An unknown order gives key order;
// an unknown target with a known order makes applierV3backend.Range call sort.Sort on a nil
// sorter, a panic that takes the member down. etcd 3.6 rejects both in checkRangeRequest with
// "etcdserver: invalid sort option", for a plain range and for every range inside a txn. to_kv
// maps such requests to key order whatever this check says (convert/requests.h); calling this
// first turns them into etcd 3.6's error instead.
#pragma once

#include <optional>

#include "api/etcdserverpb/rpc.pb.h"
#include "convert/errors.h"

namespace chorus::convert {

// kInvalidSortOption when sort_order or sort_target is not a value etcd defines.
std::optional<ServerError> check_sort_options(const etcdserverpb::RangeRequest& request);
// The same for every range in both branches of the txn, nested txns included.
std::optional<ServerError> check_sort_options(const etcdserverpb::TxnRequest& request);

}  // namespace chorus::convert
