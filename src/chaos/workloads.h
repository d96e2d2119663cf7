// The workloads: threads that drive the cluster through the fault-tolerant client library
// (src/client/) and record what they saw, each into its own History.
//
// - register: get (linearizable), put and compare-and-swap (a Txn comparing the value) on three
//   hot keys; the hot keys change every few seconds so each key's history stays small enough
//   for the linearizability search. Every error is an unknown outcome: the client library only
//   returns an error for a write whose outcome it cannot know, or one never sent, and "unknown"
//   is the sound reading of both.
// - append: puts of unique keys under kAppendPrefix.
// - watch: one watcher on kAppendPrefix that reconnects from its last revision + 1.
// - lock: kLockClients threads take turns holding kLockName through the Lock service, on a lease
//   of kLockTtlSeconds that is never kept alive (a slow or stalled holder loses the lock by
//   expiry). Each holder reads its lock key's create revision, the fencing token, and writes
//   unique keys under kLockLogPrefix with Txns that compare that create revision: a write can
//   only apply while its lock key exists, that is while its holder still holds the lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chaos/history.h"

namespace chorus::chaos {

inline constexpr const char* kRegisterPrefix = "chaos/reg/";
inline constexpr const char* kAppendPrefix = "chaos/append/";
inline constexpr const char* kLockName = "chaos/lock/mutex";
inline constexpr const char* kLockLogPrefix = "chaos/lock/log/";
inline constexpr int kLockClients = 2;
inline constexpr int64_t kLockTtlSeconds = 2;  // etcd's minimum with a 1 s election timeout

// One clock for the whole run: microseconds since it started.
class RunClock {
 public:
  RunClock() : start_(std::chrono::steady_clock::now()) {}
  uint64_t now_us() const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - start_)
                                     .count());
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

struct WorkloadContext {
  const RunClock* clock = nullptr;
  std::vector<std::string> endpoints;  // one per member, in member order
  uint64_t seed = 1;
  // The workloads stop issuing operations at this time (microseconds on the clock) or when
  // `stop` is set, whichever comes first.
  uint64_t end_us = 0;
  const std::atomic<bool>* stop = nullptr;
};

// Client number `client` (also its History client id); its first endpoint is member
// client % members, so the clients spread over the members and read from followers too.
void run_register_client(const WorkloadContext& context, uint64_t client, History& out);
void run_append_client(const WorkloadContext& context, uint64_t client, History& out);
void run_lock_client(const WorkloadContext& context, uint64_t client, History& out);

// Watches kAppendPrefix from `start_revision` until it has seen `*target_revision` (set by the
// runner once the final read is done; 0 means not yet) or `give_up_us` passes, or `stop`.
void run_watcher(const WorkloadContext& context, int64_t start_revision,
                 const std::atomic<int64_t>* target_revision, uint64_t give_up_us, History& out);

// The current revision of the cluster (a linearizable get), retried for up to `limit`.
std::optional<int64_t> current_revision(const std::vector<std::string>& endpoints,
                                        std::chrono::milliseconds limit);

// Every key under `prefix`, read linearizably, retried for up to `limit`.
std::optional<std::vector<StoredKey>> read_prefix(const std::vector<std::string>& endpoints,
                                                  const std::string& prefix,
                                                  std::chrono::milliseconds limit);

// Every key under kAppendPrefix (read_prefix).
std::optional<std::vector<StoredKey>> read_appends(const std::vector<std::string>& endpoints,
                                                   std::chrono::milliseconds limit);

}  // namespace chorus::chaos
