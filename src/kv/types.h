// Value types of the MVCC store, shaped after etcd's api/mvccpb/kv.proto and
// api/etcdserverpb/rpc.proto so that the gRPC layer converts field by field.
//
// Revision and LeaseId are int64 on etcd's wire; they stay plain int64 aliases here because every
// request field that carries them is named (an options struct per request, STYLE.md habit 5), and
// etcd gives meaning to zero and negative values (0 = "current", -1 = "never compacted").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace chorus::kv {

// The store-wide logical clock. An empty store is at revision 1 (etcd starts there too); every
// write request that changes at least one key moves it forward by exactly one.
using Revision = int64_t;
// A lease id; 0 (kNoLease) means "no lease".
using LeaseId = int64_t;
inline constexpr LeaseId kNoLease = 0;

// etcd's lease/lessor.go MaxLeaseTTL: grants above it fail with kLeaseTtlTooLarge.
inline constexpr int64_t kLeaseTtlMaxSeconds = 9'000'000'000;

// mvccpb.KeyValue.
struct KeyValue {
  std::string key;
  Revision create_revision = 0;  // revision of the put that created the key (this generation)
  Revision mod_revision = 0;     // revision of the last change of the key
  int64_t version = 0;           // 1 on create, +1 per put; a deletion resets the key
  std::string value;
  LeaseId lease = kNoLease;

  bool operator==(const KeyValue&) const = default;
};

enum class EventType : uint8_t { kPut = 0, kDelete = 1 };

// mvccpb.Event. A DELETE carries the key's tombstone: only key and mod_revision (the revision of
// the deletion) are set, as etcd's watchableStoreTxnWrite.End does.
struct Event {
  EventType type = EventType::kPut;
  KeyValue kv;
  // The key as it was just before this event's revision, when the event is not a creation
  // (etcd's watch server leaves prev_kv empty on a PUT with version 1).
  std::optional<KeyValue> prev_kv;

  bool operator==(const Event&) const = default;
};

}  // namespace chorus::kv
