#include "chaos/workloads.h"

#include <fmt/format.h>

#include <map>
#include <thread>

#include "chaos/schedule.h"
#include "client/client.h"

namespace chorus::chaos {

namespace {

using check::KvOperation;
using check::KvOpKind;
using check::KvOutcome;

// Hot keys live this long: short enough that one key's history stays a few thousand operations.
constexpr uint64_t kKeyEpochUs = 5'000'000;
constexpr int kHotKeys = 3;
// Bounds on any one thread's work, whatever the duration says.
constexpr uint64_t kMaxOpsPerClient = 2'000'000;
constexpr uint64_t kMaxWatchSessions = 100'000;
// Every 10 to 20 s, a lock client stalls while holding the lock for longer than its lease
// lives, so every run has holders that lost the lock without knowing: the case fencing is for.
// Not more often: the other client waits out each stall, and quick handovers under the faults
// matter as much.
constexpr uint64_t kLockStallGapUs = 10'000'000;
constexpr uint64_t kLockStallUs = kLockTtlSeconds * 1'000'000 + 500'000;

bool should_stop(const WorkloadContext& c) {
  return c.stop->load() || c.clock->now_us() >= c.end_us;
}

client::ClientOptions client_options(const WorkloadContext& c, uint64_t first, uint64_t seed) {
  client::ClientOptions options;
  // Rotated so that this client talks to member `first` unless it is unreachable: reads are
  // served by followers too, which is where a missing ReadIndex would show.
  for (size_t i = 0; i < c.endpoints.size(); ++i) {
    options.endpoints.push_back(c.endpoints[(first + i) % c.endpoints.size()]);
  }
  options.dial_timeout = std::chrono::milliseconds(1000);
  options.request_timeout = std::chrono::milliseconds(5000);
  auto& ft = options.fault_tolerance;
  ft.prefer_leader = false;
  // Long attempts keep reads queued on a paused member until it resumes: they are answered then,
  // and a member that answers before catching up is caught (the broken build's stale reads).
  ft.retry.attempt_timeout = std::chrono::milliseconds(3000);
  ft.retry.seed = seed;
  ft.health.interval = std::chrono::milliseconds(500);
  ft.health.timeout = std::chrono::milliseconds(300);
  return options;
}

void pace(SeededRandom& random) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2 + random.below(8)));
}

// The create revision of `lock_key` (linearizable): the holder's fencing token.
void read_token(client::Client& client, LockHold& hold) {
  etcdserverpb::RangeRequest request;
  request.set_key(hold.lock_key);
  auto response = client.range(request);
  if (!response.ok()) return;
  if (response->kvs_size() == 0) {
    hold.key_gone = true;
  } else {
    hold.token = response->kvs(0).create_revision();
  }
}

LockWrite fenced_write(const WorkloadContext& c, client::Client& client, const LockHold& hold,
                       uint64_t n) {
  LockWrite write;
  write.client = hold.client;
  write.token = hold.token;
  write.key = fmt::format("{}c{}-{:08}", kLockLogPrefix, hold.client, n);
  etcdserverpb::TxnRequest request;
  auto* compare = request.add_compare();
  compare->set_key(hold.lock_key);
  compare->set_target(etcdserverpb::Compare::CREATE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_create_revision(hold.token);
  auto* put = request.add_success()->mutable_request_put();
  put->set_key(write.key);
  put->set_value(std::to_string(hold.token));
  write.call_us = c.clock->now_us();
  // The compare does not pin the key written, so the client library never resends this txn
  // once sent (retry_safety.h): "refused" means the compare failed, and it applies at most once.
  auto response = client.txn(request);
  write.return_us = c.clock->now_us();
  write.outcome = !response.ok()          ? LockWriteOutcome::kUnknown
                  : response->succeeded() ? LockWriteOutcome::kWritten
                                          : LockWriteOutcome::kRefused;
  return write;
}

}  // namespace

void run_register_client(const WorkloadContext& c, uint64_t client_id, History& out) {
  const uint64_t seed = c.seed * 1'000'003 + client_id;
  client::Client client(client_options(c, client_id % c.endpoints.size(), seed));
  SeededRandom random(seed);
  std::map<std::string, std::string> last_seen;  // per key: a value to compare against
  for (uint64_t n = 0; n < kMaxOpsPerClient && !should_stop(c); ++n) {
    const uint64_t epoch = c.clock->now_us() / kKeyEpochUs;
    KvOperation op;
    op.client = client_id;
    op.key = fmt::format("{}{}/{}", kRegisterPrefix, epoch, random.below(kHotKeys));
    const uint64_t draw = random.below(10);
    const auto seen = last_seen.find(op.key);
    op.kind = draw < 4                                ? KvOpKind::kGet
              : (draw < 7 || seen == last_seen.end()) ? KvOpKind::kPut
                                                      : KvOpKind::kCas;
    op.value = fmt::format("c{}-{}", client_id, n);
    op.call_time = c.clock->now_us();
    if (op.kind == KvOpKind::kGet) {
      etcdserverpb::RangeRequest request;
      request.set_key(op.key);
      auto response = client.range(request);
      op.return_time = c.clock->now_us();
      op.outcome = response.ok() ? KvOutcome::kOk : KvOutcome::kUnknown;
      if (response.ok() && response->kvs_size() > 0) {
        op.found = true;
        op.read_value = response->kvs(0).value();
        last_seen[op.key] = op.read_value;
      }
    } else if (op.kind == KvOpKind::kPut) {
      etcdserverpb::PutRequest request;
      request.set_key(op.key);
      request.set_value(op.value);
      auto response = client.put(request);
      op.return_time = c.clock->now_us();
      op.outcome = response.ok() ? KvOutcome::kOk : KvOutcome::kUnknown;
      if (response.ok()) last_seen[op.key] = op.value;
    } else {
      // Compares the value, not the version or mod revision: the client library never resends
      // such a txn once sent (retry_safety.h), so "not swapped" always means the compare failed.
      op.expected = seen->second;
      etcdserverpb::TxnRequest request;
      auto* compare = request.add_compare();
      compare->set_key(op.key);
      compare->set_target(etcdserverpb::Compare::VALUE);
      compare->set_result(etcdserverpb::Compare::EQUAL);
      compare->set_value(*op.expected);
      auto* put = request.add_success()->mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      auto response = client.txn(request);
      op.return_time = c.clock->now_us();
      op.outcome = response.ok() ? KvOutcome::kOk : KvOutcome::kUnknown;
      if (response.ok()) {
        op.cas_succeeded = response->succeeded();
        if (op.cas_succeeded) last_seen[op.key] = op.value;
      }
    }
    out.registers.push_back(std::move(op));
    pace(random);
  }
}

void run_append_client(const WorkloadContext& c, uint64_t client_id, History& out) {
  const uint64_t seed = c.seed * 1'000'003 + client_id;
  client::Client client(client_options(c, client_id % c.endpoints.size(), seed));
  SeededRandom random(seed);
  for (uint64_t n = 0; n < kMaxOpsPerClient && !should_stop(c); ++n) {
    AppendOp op;
    op.client = client_id;
    op.key = fmt::format("{}c{}-{:08}", kAppendPrefix, client_id, n);
    op.value = fmt::format("s{}-c{}-{}", c.seed, client_id, n);
    etcdserverpb::PutRequest request;
    request.set_key(op.key);
    request.set_value(op.value);
    op.call_us = c.clock->now_us();
    auto response = client.put(request);
    op.return_us = c.clock->now_us();
    op.outcome = response.ok() ? KvOutcome::kOk : KvOutcome::kUnknown;
    out.appends.push_back(std::move(op));
    pace(random);
  }
}

void run_lock_client(const WorkloadContext& c, uint64_t client_id, History& out) {
  const uint64_t seed = c.seed * 1'000'003 + client_id;
  client::Client client(client_options(c, client_id % c.endpoints.size(), seed));
  SeededRandom random(seed);
  uint64_t n = 0;  // fenced writes attempted, for their unique keys
  uint64_t next_stall_us = c.clock->now_us() + kLockStallGapUs + random.below(kLockStallGapUs);
  while (n < kMaxOpsPerClient && !should_stop(c)) {
    // No keep-alive: the lock lasts at most the TTL after the grant, whatever the holder thinks.
    auto lease = client.lease_grant(kLockTtlSeconds);
    if (!lease.ok() || !lease->error().empty()) {
      pace(random);
      continue;
    }
    LockHold hold;
    hold.client = client_id;
    hold.call_us = c.clock->now_us();
    auto locked = client.lock(kLockName, lease->id());
    if (!locked.ok()) {
      // Not held (or not known to be): a key it may have left goes with the lease.
      pace(random);
      continue;
    }
    hold.acquired_us = c.clock->now_us();
    hold.lock_key = locked->key();
    read_token(client, hold);
    if (hold.token > 0) {
      const uint64_t now = c.clock->now_us();
      if (now >= next_stall_us) {
        const uint64_t stall = c.end_us > now ? std::min(kLockStallUs, c.end_us - now) : 0;
        std::this_thread::sleep_for(std::chrono::microseconds(stall));
        next_stall_us = c.clock->now_us() + kLockStallGapUs + random.below(kLockStallGapUs);
      }
      const uint64_t writes = 1 + random.below(3);
      for (uint64_t w = 0; w < writes && n < kMaxOpsPerClient && !should_stop(c); ++w) {
        LockWrite write = fenced_write(c, client, hold, n++);
        const bool refused = write.outcome == LockWriteOutcome::kRefused;
        out.lock_writes.push_back(std::move(write));
        if (refused) break;  // the lock is gone: further writes would be refused too
      }
    }
    (void)client.unlock(hold.lock_key);  // a failed unlock releases by expiry
    hold.released_us = c.clock->now_us();
    out.lock_holds.push_back(std::move(hold));
    pace(random);
  }
}

void run_watcher(const WorkloadContext& c, int64_t start_revision,
                 const std::atomic<int64_t>* target_revision, uint64_t give_up_us, History& out) {
  client::Client client(client_options(c, c.endpoints.size() - 1, c.seed));
  std::string end = kAppendPrefix;
  end.back() = static_cast<char>(end.back() + 1);
  int64_t next = start_revision;
  auto done = [&] {
    const int64_t target = target_revision->load();
    return c.stop->load() || c.clock->now_us() >= give_up_us || (target > 0 && next > target);
  };
  for (uint64_t session = 1; session <= kMaxWatchSessions && !done(); ++session) {
    out.watch_sessions = session;
    etcdserverpb::WatchCreateRequest request;
    request.set_key(kAppendPrefix);
    request.set_range_end(end);
    request.set_start_revision(next);
    // A short stream: a watcher stuck on a paused member moves on, and every few seconds the
    // run exercises a resume from last revision + 1.
    const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(3);
    const grpc::Status status = client.watch(
        request,
        [&](const etcdserverpb::WatchResponse& response) {
          for (const auto& event : response.events()) {
            WatchEvent e;
            e.session = session;
            e.revision = event.kv().mod_revision();
            e.key = event.kv().key();
            e.is_put = event.type() == mvccpb::Event::PUT;
            e.seen_us = c.clock->now_us();
            out.watch_events.push_back(std::move(e));
            next = std::max(next, event.kv().mod_revision() + 1);
          }
          return !done();
        },
        deadline);
    if (!status.ok() && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

std::optional<int64_t> current_revision(const std::vector<std::string>& endpoints,
                                        std::chrono::milliseconds limit) {
  client::ClientOptions options;
  options.endpoints = endpoints;
  options.fault_tolerance.health.enabled = false;
  client::Client client(options);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    etcdserverpb::RangeRequest request;
    request.set_key(kAppendPrefix);
    request.set_count_only(true);
    auto response = client.range(request);
    if (response.ok()) return response->header().revision();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return std::nullopt;
}

std::optional<std::vector<StoredKey>> read_prefix(const std::vector<std::string>& endpoints,
                                                  const std::string& prefix,
                                                  std::chrono::milliseconds limit) {
  client::ClientOptions options;
  options.endpoints = endpoints;
  options.fault_tolerance.health.enabled = false;
  client::Client client(options);
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    etcdserverpb::RangeRequest request;
    request.set_key(prefix);
    request.set_range_end(end);
    auto response = client.range(request);
    if (!response.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    std::vector<StoredKey> keys;
    for (const auto& kv : response->kvs()) {
      keys.push_back(
          StoredKey{kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.version()});
    }
    return keys;
  }
  return std::nullopt;
}

std::optional<std::vector<StoredKey>> read_appends(const std::vector<std::string>& endpoints,
                                                   std::chrono::milliseconds limit) {
  return read_prefix(endpoints, kAppendPrefix, limit);
}

}  // namespace chorus::chaos
