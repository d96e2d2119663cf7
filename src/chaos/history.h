// What the clients saw during a run, on one clock: microseconds since the run started
// (std::chrono::steady_clock). Each workload thread fills its own History; the runner merges
// them once the threads are joined, so recording takes no lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chaos/schedule.h"
#include "check/linearizability.h"

namespace chorus::chaos {

// An append: a put of a key no one else writes (unique key and value).
struct AppendOp {
  uint64_t client = 0;
  std::string key;
  std::string value;
  uint64_t call_us = 0;
  uint64_t return_us = 0;
  check::KvOutcome outcome = check::KvOutcome::kOk;
};

// One event a watcher received on the append prefix.
struct WatchEvent {
  uint64_t session = 0;  // which watch (a reconnect starts a new one)
  int64_t revision = 0;  // the event's mod revision
  std::string key;
  bool is_put = true;
  uint64_t seen_us = 0;
};

// A key as the final read after healing saw it.
struct StoredKey {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
};

// One acquisition of the lock workload's lock (workloads.h): the Lock RPC returned `lock_key`,
// and a linearizable get then read its create revision, the fencing token.
struct LockHold {
  uint64_t client = 0;
  std::string lock_key;
  int64_t token = 0;         // 0: no token (the key was gone, or the read failed)
  bool key_gone = false;     // the read found no key: the lease expired before it
  uint64_t call_us = 0;      // the Lock call
  uint64_t acquired_us = 0;  // Lock returned
  uint64_t released_us = 0;  // Unlock returned (or failed)
};

// What a fenced write's Txn (compare: the lock key still has create revision `token`) returned.
enum class LockWriteOutcome {
  kWritten,  // succeeded: the compare held and the put applied
  kRefused,  // answered with succeeded = false: the lock key was gone, nothing applied
  kUnknown,  // an error: it may have applied at any time after its call, or never
};

// One fenced write: a put of the unique `key` = "<token>" guarded by the lock key.
struct LockWrite {
  uint64_t client = 0;
  int64_t token = 0;
  std::string key;
  uint64_t call_us = 0;
  uint64_t return_us = 0;
  LockWriteOutcome outcome = LockWriteOutcome::kWritten;
};

const char* lock_write_outcome_name(LockWriteOutcome outcome);

// A fault as it was injected.
struct FaultRecord {
  FaultKind kind = FaultKind::kPauseFollower;
  std::string member;       // the member it hit
  uint64_t start_us = 0;    // when the signal was sent
  uint64_t end_us = 0;      // when it was healed (restart or SIGCONT sent)
  bool hit_leader = false;  // the target led when the fault started
  // Leader faults: when a surviving member first named a new leader (nullopt: none seen).
  std::optional<uint64_t> new_leader_us;
  // From the throughput per second (report.h): when it was back to full; nullopt: never.
  std::optional<uint64_t> full_throughput_us;
  bool dipped = false;  // whether the throughput fell below the baseline at all
};

struct History {
  std::vector<check::KvOperation> registers;  // times in microseconds
  std::vector<AppendOp> appends;
  std::vector<WatchEvent> watch_events;
  uint64_t watch_sessions = 0;
  // The revision the first watch started from: every append at or after it must be seen.
  int64_t watch_start_revision = 0;
  std::vector<FaultRecord> faults;
  std::vector<StoredKey> final_appends;  // the final read of the append prefix
  std::vector<LockHold> lock_holds;
  std::vector<LockWrite> lock_writes;
  std::vector<StoredKey> final_lock_log;  // the final read of kLockLogPrefix
  uint64_t end_us = 0;                    // when the workloads stopped
  std::vector<std::string> client_names;  // indexed by the `client` field of every operation
  uint64_t watch_client = 0;              // the watcher's row in client_names
};

// The history as one JSON document (history.json next to the report): every operation, event
// and fault, for tools and for reading a failure by hand.
std::string history_json(const History& history);

}  // namespace chorus::chaos
