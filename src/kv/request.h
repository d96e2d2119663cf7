// Requests and responses of the KV API (etcdserverpb.Range/Put/DeleteRange/Txn/Compact and the
// lease calls), field for field where etcd has the field. The response header's cluster id,
// member id and raft term are the server's; only the revision is the store's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kv/types.h"

namespace chorus::kv {

// A heap-allocated value with value semantics, so that a txn can hold nested txns.
template <typename T>
class Box {
 public:
  Box() : value_(std::make_unique<T>()) {}
  Box(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT: implicit by design
  Box(const Box& other) : value_(std::make_unique<T>(*other.value_)) {}
  Box(Box&& other) noexcept = default;
  Box& operator=(const Box& other) {
    if (this != &other) value_ = std::make_unique<T>(*other.value_);
    return *this;
  }
  Box& operator=(Box&& other) noexcept = default;
  ~Box() = default;

  const T& operator*() const { return *value_; }
  T& operator*() { return *value_; }
  const T* operator->() const { return value_.get(); }
  T* operator->() { return value_.get(); }
  bool operator==(const Box& other) const { return *value_ == *other.value_; }

 private:
  std::unique_ptr<T> value_;  // never null, except in a moved-from Box
};

// Key ranges, as everywhere in etcd's API:
//   range_end empty        -> the single key `key`
//   range_end == "\0"      -> every key >= key ("from key"; key "\0" too gives every key)
//   otherwise              -> [key, range_end); empty when range_end <= key
// The prefix form is the client's: range_end = key with its last byte incremented.

enum class SortOrder : uint8_t { kNone = 0, kAscend = 1, kDescend = 2 };
enum class SortTarget : uint8_t { kKey = 0, kVersion = 1, kCreate = 2, kMod = 3, kValue = 4 };

struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;      // <= 0: no limit
  Revision revision = 0;  // <= 0: the current revision
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool serializable = false;  // the server's business (which replica may answer); ignored here
  bool keys_only = false;
  bool count_only = false;
  Revision min_mod_revision = 0;  // 0: no filter
  Revision max_mod_revision = 0;
  Revision min_create_revision = 0;
  Revision max_create_revision = 0;

  bool operator==(const RangeRequest&) const = default;
};

struct RangeResponse {
  Revision revision = 0;  // header.revision: the store's revision when the range was served
  std::vector<KeyValue> kvs;
  bool more = false;  // more keys passed the filters than `limit` let through
  int64_t count = 0;  // keys in the range at the read revision, before filters and limit

  bool operator==(const RangeResponse&) const = default;
};

struct PutRequest {
  std::string key;
  std::string value;
  LeaseId lease = kNoLease;
  bool prev_kv = false;
  bool ignore_value = false;  // keep the current value (the key must exist)
  bool ignore_lease = false;  // keep the current lease (the key must exist)

  bool operator==(const PutRequest&) const = default;
};

struct PutResponse {
  Revision revision = 0;
  std::optional<KeyValue> prev_kv;

  bool operator==(const PutResponse&) const = default;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;
  bool prev_kv = false;

  bool operator==(const DeleteRangeRequest&) const = default;
};

struct DeleteRangeResponse {
  Revision revision = 0;
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;

  bool operator==(const DeleteRangeResponse&) const = default;
};

enum class CompareResult : uint8_t { kEqual = 0, kGreater = 1, kLess = 2, kNotEqual = 3 };
enum class CompareTarget : uint8_t { kVersion = 0, kCreate = 1, kMod = 2, kValue = 3, kLease = 4 };

// etcdserverpb.Compare. etcd's target_union is a oneof; the gRPC layer copies whichever member is
// set into the matching field here and leaves the others at zero, which is what etcd reads for a
// mismatched union (compareKV falls back to 0 or the empty value).
struct Compare {
  CompareResult result = CompareResult::kEqual;
  CompareTarget target = CompareTarget::kVersion;
  std::string key;
  std::string range_end;  // same forms as a range; every key in it must satisfy the compare
  int64_t version = 0;
  Revision create_revision = 0;
  Revision mod_revision = 0;
  std::string value;
  LeaseId lease = kNoLease;

  bool operator==(const Compare&) const = default;
};

struct TxnRequest;
struct TxnResponse;

// etcdserverpb.RequestOp. monostate is a RequestOp with no request set, which etcd rejects with
// "key not found".
struct RequestOp {
  std::variant<std::monostate, RangeRequest, PutRequest, DeleteRangeRequest, Box<TxnRequest>>
      request;

  RequestOp() = default;
  RequestOp(RangeRequest r) : request(std::move(r)) {}        // NOLINT: implicit by design
  RequestOp(PutRequest r) : request(std::move(r)) {}          // NOLINT: implicit by design
  RequestOp(DeleteRangeRequest r) : request(std::move(r)) {}  // NOLINT: implicit by design
  RequestOp(TxnRequest r);                                    // NOLINT: implicit by design

  bool operator==(const RequestOp&) const = default;
};

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;

  bool operator==(const TxnRequest&) const = default;
};

inline RequestOp::RequestOp(TxnRequest r) : request(Box<TxnRequest>(std::move(r))) {}

struct ResponseOp {
  std::variant<RangeResponse, PutResponse, DeleteRangeResponse, Box<TxnResponse>> response;

  bool operator==(const ResponseOp&) const = default;
};

struct TxnResponse {
  // For the outermost txn: the store revision after the txn. A nested txn's response carries 0,
  // as in etcd 3.5 (its header is allocated but never filled).
  Revision revision = 0;
  bool succeeded = false;
  std::vector<ResponseOp> responses;

  bool operator==(const TxnResponse&) const = default;
};

struct CompactResponse {
  Revision revision = 0;  // the current revision (a compaction does not change it)
};

struct LeaseGrantResponse {
  Revision revision = 0;
  LeaseId id = kNoLease;
  int64_t ttl_seconds = 0;  // the granted TTL, after raising it to the configured minimum
};

struct LeaseRevokeResponse {
  Revision revision = 0;  // after the deletions of the lease's keys
};

// What the store knows of a lease (TimeToLive without the remaining time, which needs a clock
// and is the lessor's business).
struct LeaseInfo {
  LeaseId id = kNoLease;
  int64_t granted_ttl_seconds = 0;
  std::vector<std::string> keys;  // sorted; filled only when asked for

  bool operator==(const LeaseInfo&) const = default;
};

struct HashKvResponse {
  Revision revision = 0;          // the current revision
  uint32_t hash = 0;              // see Store::hash_kv
  Revision compact_revision = 0;  // the compaction point the hash was taken under
  Revision hash_revision = 0;     // the revision the hash covers (the request's, or current)
};

// A query for historical events (watch catch-up).
struct EventQuery {
  Revision start_revision = 0;  // first revision wanted; <= 0 means "after the current one"
  std::string key;              // key range, same forms as a range
  std::string range_end;
  bool prev_kv = false;      // fill Event::prev_kv where the history still holds it
  size_t max_events = 1000;  // bound; a single revision is never split (see events_since)
};

struct EventBatch {
  std::vector<Event> events;   // in (revision, sub-revision) order
  Revision next_revision = 0;  // resume here: every event below it that matched was returned
};

}  // namespace chorus::kv
