// etcd's request messages (etcdserverpb) to the MVCC store's requests (kv/request.h).
//
// Every function is total: any message that parses, including enum values this build does not
// know (proto3 enums are open, so the field keeps whatever number the client sent), converts to
// a request whose meaning is what etcd 3.5 does with it. The rules that are not plain copies are
// listed in docs/convert.md; the ones for unknown enum values are:
//   - RangeRequest sort_order or sort_target unknown: ascending by key, every key fetched before
//     the limit (etcd 3.5 leaves such results unsorted, that is in key order, or panics; etcd 3.6
//     rejects them). A server that wants etcd 3.6's answer calls check_sort_options
//     (convert/sort_check.h) first.
//   - Compare target unknown: etcd compares nothing (result 0), so the compare is constantly
//     true for EQUAL and an unknown result, constantly false for the other results.
//   - Compare result unknown: etcd's compareKV returns true; the compare holds for every key,
//     except that a VALUE compare over no key is still false.
//   - Watch filter unknown: ignored, as etcd's FiltersFromRequest does.
#pragma once

#include "api/etcdserverpb/rpc.pb.h"
#include "kv/request.h"
#include "kv/watch_hub.h"

namespace chorus::convert {

kv::RangeRequest to_kv(const etcdserverpb::RangeRequest& request);
kv::PutRequest to_kv(const etcdserverpb::PutRequest& request);
kv::DeleteRangeRequest to_kv(const etcdserverpb::DeleteRangeRequest& request);
kv::Compare to_kv(const etcdserverpb::Compare& compare);
// A RequestOp with no request set becomes std::monostate (the store answers kKeyNotFound, as
// etcd's checkRequestOp does).
kv::RequestOp to_kv(const etcdserverpb::RequestOp& op);
kv::TxnRequest to_kv(const etcdserverpb::TxnRequest& request);
// The stream's own fields (watch_id, progress_notify, fragment) are the server's and not copied.
kv::WatchRequest to_kv(const etcdserverpb::WatchCreateRequest& request);

}  // namespace chorus::convert
