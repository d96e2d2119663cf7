// Which writes may be sent again after their outcome became unknown (the connection broke or the
// deadline passed after the request left). A put or delete repeated blindly can apply twice
// (a second revision, or deleting what another client wrote in between); a txn whose compares
// pin every key it writes cannot: once it applied, its compares fail, so the repeat changes
// nothing. The caller then sees succeeded=false for a txn that did apply, which is the price of
// the retry (docs/client.md).
#pragma once

#include "api/etcdserverpb/rpc.pb.h"

namespace chorus::client {

// True when `txn` writes nothing (a read-only txn), or when its failure branch writes nothing and
// every key that its success branch puts or deletes is compared, with EQUAL, on its VERSION or
// MOD revision (each of which every write to the key changes). Conservative: a range delete or a
// nested txn that writes makes it unsafe.
bool txn_is_retry_safe(const etcdserverpb::TxnRequest& txn);

// True when no op of `txn`, nested txns included, writes.
bool txn_is_read_only(const etcdserverpb::TxnRequest& txn);

}  // namespace chorus::client
