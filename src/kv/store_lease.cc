// Leases: the part of etcd's lessor (server/lease/lessor.go) that is replicated state: which
// leases exist, their granted TTL, and which keys are attached. Expiry needs a clock and belongs
// to the leader, which proposes a revoke when a lease runs out.
#include <limits>

#include "kv/invariant.h"
#include "kv/store.h"
#include "kv/write_txn.h"

namespace chorus::kv {

Result<LeaseGrantResponse> Store::lease_grant(LeaseId id, int64_t ttl_seconds) {
  if (id == kNoLease) id = next_lease_id_;
  if (ttl_seconds > kLeaseTtlMaxSeconds) return Error::kLeaseTtlTooLarge;
  if (leases_.contains(id)) return Error::kLeaseExist;
  const int64_t ttl = std::max(ttl_seconds, options_.lease_ttl_min_seconds);
  leases_.emplace(id, Lease{ttl, {}});
  // next_lease_id_ stays above every granted id; at the top of the id space it saturates and an
  // id-0 grant then fails with kLeaseExist.
  if (id >= next_lease_id_) {
    next_lease_id_ = id == std::numeric_limits<LeaseId>::max() ? id : id + 1;
  }
  return LeaseGrantResponse{current_revision_, id, ttl};
}

// etcd's lessor.Revoke: the lease's keys are deleted in byte order in one write txn (so every
// replica writes the same sub-revisions), the lease is forgotten in the same step.
Result<LeaseRevokeResponse> Store::lease_revoke(LeaseId id) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return Error::kLeaseNotFound;
  const std::vector<std::string> keys(it->second.keys.begin(), it->second.keys.end());
  WriteTxn txn(*this);
  for (const std::string& key : keys) txn.tombstone(key);
  CHORUS_KV_ASSERT(it->second.keys.empty());
  leases_.erase(it);
  commit(txn);
  return LeaseRevokeResponse{current_revision_};
}

Result<LeaseInfo> Store::lease_info(LeaseId id, bool with_keys) const {
  auto it = leases_.find(id);
  if (it == leases_.end()) return Error::kLeaseNotFound;
  LeaseInfo info;
  info.id = id;
  info.granted_ttl_seconds = it->second.ttl_seconds;
  if (with_keys) info.keys.assign(it->second.keys.begin(), it->second.keys.end());
  return info;
}

std::vector<LeaseId> Store::lease_list() const {
  std::vector<LeaseId> ids;
  ids.reserve(leases_.size());
  for (const auto& [id, lease] : leases_) ids.push_back(id);
  return ids;
}

}  // namespace chorus::kv
