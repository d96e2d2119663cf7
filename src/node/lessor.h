// Lease expiry, decided by the leader alone (etcd's primary lessor). The leases themselves (ids,
// TTLs, attached keys) are replicated state in kv::Store; this class only keeps, on the leader,
// when each one runs out. When a lease runs out the node proposes its revoke, so every replica
// deletes its keys at the same log position.
//
// A new leader knows nothing of its predecessor's deadlines, so it gives every lease a full TTL
// from the moment it takes over (etcd does the same on promotion). Leases therefore never expire
// early because of a leader change, and nothing is revoked en masse when one happens (etcd
// #15247): at worst a lease lives one TTL longer than its last keep-alive promised.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace chorus::node {

class Lessor {
 public:
  using Clock = std::chrono::steady_clock;

  // This node became leader and `leases` (id, TTL in seconds) exist.
  void promote(const std::vector<std::pair<int64_t, int64_t>>& leases, Clock::time_point now);
  void demote();
  bool primary() const { return primary_; }

  // A grant was applied (on the leader: start its clock).
  void on_grant(int64_t id, int64_t ttl_seconds, Clock::time_point now);
  void on_revoke(int64_t id);
  // A keep-alive: the TTL granted again, or nullopt when unknown here or not leader.
  std::optional<int64_t> renew(int64_t id, Clock::time_point now);
  // Seconds left (rounded up), or nullopt when unknown here or not leader.
  std::optional<int64_t> remaining_seconds(int64_t id, Clock::time_point now) const;
  // Leases past their deadline whose revoke has not been proposed in the last second.
  std::vector<int64_t> expired(Clock::time_point now, size_t max);

 private:
  struct Deadline {
    int64_t ttl_seconds = 0;
    Clock::time_point expires;
    std::optional<Clock::time_point> revoke_proposed;
  };
  bool primary_ = false;
  std::map<int64_t, Deadline> leases_;
};

}  // namespace chorus::node
