// The MVCC store's responses (kv/request.h, kv/types.h) to etcd's response messages.
//
// Each to_pb writes every field the store knows into `out` and sets header.revision from the
// store's response; cluster_id, member_id and raft_term are the server's (fill_header) and are
// left as they are, so the server may fill them before or after. Repeated fields are appended
// to, so `out` should be fresh. Nested txn responses get a header with revision 0, as etcd 3.5
// sends them (newTxnResp allocates the header and nothing fills it).
#pragma once

#include <cstdint>

#include "api/etcdserverpb/rpc.pb.h"
#include "api/mvccpb/kv.pb.h"
#include "kv/request.h"
#include "kv/types.h"

namespace chorus::convert {

void fill_header(etcdserverpb::ResponseHeader* header, uint64_t cluster_id, uint64_t member_id,
                 int64_t revision, uint64_t raft_term);

void to_pb(const kv::KeyValue& kv, mvccpb::KeyValue* out);
// prev_kv is written only when the event has one (etcd leaves it unset otherwise).
void to_pb(const kv::Event& event, mvccpb::Event* out);

void to_pb(const kv::RangeResponse& response, etcdserverpb::RangeResponse* out);
void to_pb(const kv::PutResponse& response, etcdserverpb::PutResponse* out);
void to_pb(const kv::DeleteRangeResponse& response, etcdserverpb::DeleteRangeResponse* out);
void to_pb(const kv::TxnResponse& response, etcdserverpb::TxnResponse* out);
void to_pb(const kv::CompactResponse& response, etcdserverpb::CompactionResponse* out);
void to_pb(const kv::LeaseGrantResponse& response, etcdserverpb::LeaseGrantResponse* out);
void to_pb(const kv::LeaseRevokeResponse& response, etcdserverpb::LeaseRevokeResponse* out);
// etcd 3.5's HashKVResponse has no hash_revision field; the store's is not sent.
void to_pb(const kv::HashKvResponse& response, etcdserverpb::HashKVResponse* out);
// ID, grantedTTL and keys. TTL (the remaining time) is the lessor's and is left as it is, and so
// is the header: LeaseInfo carries no revision.
void to_pb(const kv::LeaseInfo& info, etcdserverpb::LeaseTimeToLiveResponse* out);

}  // namespace chorus::convert
