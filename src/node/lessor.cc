#include "node/lessor.h"

namespace chorus::node {

void Lessor::promote(const std::vector<std::pair<int64_t, int64_t>>& leases,
                     Clock::time_point now) {
  primary_ = true;
  leases_.clear();
  for (const auto& [id, ttl] : leases) on_grant(id, ttl, now);
}

void Lessor::demote() {
  primary_ = false;
  leases_.clear();
}

void Lessor::on_grant(int64_t id, int64_t ttl_seconds, Clock::time_point now) {
  if (!primary_) return;
  leases_[id] = Deadline{ttl_seconds, now + std::chrono::seconds(ttl_seconds), std::nullopt};
}

void Lessor::on_revoke(int64_t id) {
  leases_.erase(id);
}

std::optional<int64_t> Lessor::renew(int64_t id, Clock::time_point now) {
  auto it = leases_.find(id);
  if (!primary_ || it == leases_.end()) return std::nullopt;
  // A lease already past its deadline is as good as revoked: a late keep-alive must not revive
  // it (the revoke may be in flight), as in etcd.
  if (it->second.expires <= now) return std::nullopt;
  it->second.expires = now + std::chrono::seconds(it->second.ttl_seconds);
  return it->second.ttl_seconds;
}

std::optional<int64_t> Lessor::remaining_seconds(int64_t id, Clock::time_point now) const {
  auto it = leases_.find(id);
  if (!primary_ || it == leases_.end()) return std::nullopt;
  if (it->second.expires <= now) return 0;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(it->second.expires - now);
  return (left.count() + 999) / 1000;
}

std::vector<int64_t> Lessor::expired(Clock::time_point now, size_t max) {
  std::vector<int64_t> out;
  if (!primary_) return out;
  for (auto& [id, deadline] : leases_) {
    if (out.size() >= max) break;
    if (deadline.expires > now) continue;
    if (deadline.revoke_proposed && now - *deadline.revoke_proposed < std::chrono::seconds(1)) {
      continue;
    }
    deadline.revoke_proposed = now;
    out.push_back(id);
  }
  return out;
}

}  // namespace chorus::node
