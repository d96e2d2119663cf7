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

std::optional<std::vector<StoredKey>> read_appends(const std::vector<std::string>& endpoints,
                                                   std::chrono::milliseconds limit) {
  client::ClientOptions options;
  options.endpoints = endpoints;
  options.fault_tolerance.health.enabled = false;
  client::Client client(options);
  std::string end = kAppendPrefix;
  end.back() = static_cast<char>(end.back() + 1);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    etcdserverpb::RangeRequest request;
    request.set_key(kAppendPrefix);
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

}  // namespace chorus::chaos
